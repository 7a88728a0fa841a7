import { Effect, Exit, Cause, Option } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { InputError, planWorkflow, Stage, Workflow, type Manifest } from "@zaoji/core"
import { Schema } from "effect"
import { count, flaky, secretive, slowItems, source, upper } from "./fixtures/stages.js"
import { run, tmpDir, withJournal } from "./helpers.js"

const sample = (suffix = "!", items = 3) =>
  Workflow.make("sample", (w) => {
    const a = w.stage("a", source, { text: "hello", file: "input.txt" })
    const up = w.stage("up", upper, { suffix }, { src: a })
    w.stage("items", slowItems, { items }, { src: up })
    w.stage("count", count, {}, { a, b: up })
  })

const setup = () => {
  const dir = tmpDir()
  fs.writeFileSync(path.join(dir, "input.txt"), " world")
  return dir
}

const failureOf = (exit: Exit.Exit<unknown, unknown>) =>
  Exit.isFailure(exit) ? (Option.getOrUndefined(Cause.failureOption(exit.cause)) as any) : undefined

describe("engine: caching", () => {
  it("runs a workflow, re-runs it fully cached, and re-runs exactly what a config change affects", async () => {
    const dir = setup()
    const first = await run({ workflow: sample(), baseDir: dir })
    expect(Exit.isSuccess(first.exit)).toBe(true)
    expect(first.statuses).toEqual({ a: "done", up: "done", items: "done", count: "done" })
    const summary = Exit.isSuccess(first.exit) ? first.exit.value : undefined
    const up = summary!.stages.find((s) => s.stage === "up")!
    expect(fs.readFileSync(path.join(up.dir, "upper.txt"), "utf8")).toBe("HELLO WORLD!")
    const countDir = summary!.stages.find((s) => s.stage === "count")!.dir
    const countManifest = JSON.parse(fs.readFileSync(path.join(countDir, "manifest.json"), "utf8")) as Manifest
    expect(countManifest.output).toEqual({ total: 11 + 12 })
    expect(countManifest.inputs.b).toEqual({ stage: "up", key: up.key })
    expect(countManifest.stage).toEqual({ id: "count", plugin: "toy.count", version: "1" })
    expect(countManifest.attempts).toBe(1)

    const second = await run({ workflow: sample(), baseDir: dir })
    expect(second.statuses).toEqual({ a: "cached", up: "cached", items: "cached", count: "cached" })

    const third = await run({ workflow: sample("?"), baseDir: dir })
    expect(third.statuses).toEqual({ a: "cached", up: "done", items: "done", count: "done" })

    // the same change made with --set is the same key: cached now
    const fourth = await run({ workflow: sample(), baseDir: dir, set: ["up.suffix=?"] })
    expect(fourth.statuses).toEqual({ a: "cached", up: "cached", items: "cached", count: "cached" })

    // editing an input file re-runs its stage and everything downstream
    fs.writeFileSync(path.join(dir, "input.txt"), " there")
    const fifth = await run({ workflow: sample("?"), baseDir: dir })
    expect(fifth.statuses).toEqual({ a: "done", up: "done", items: "done", count: "done" })
  })

  it("an input file edited in place with its size and mtime kept still re-runs its stage", async () => {
    const dir = setup()
    const input = path.join(dir, "input.txt")
    const past = new Date(Date.now() - 60_000)
    fs.utimesSync(input, past, past)
    expect((await run({ workflow: sample(), baseDir: dir })).statuses.a).toBe("done")
    // the settled input's hash is now cached in the store
    expect(fs.existsSync(path.join(dir, ".zaoji", "input-hashes.json"))).toBe(true)
    expect((await run({ workflow: sample(), baseDir: dir })).statuses.a).toBe("cached")
    fs.writeFileSync(input, " WORLD")
    fs.utimesSync(input, past, past)
    const after = await run({ workflow: sample(), baseDir: dir })
    expect(after.statuses).toEqual({ a: "done", up: "done", items: "done", count: "done" })
  })

  it("--force, --from and --only choose what re-runs", async () => {
    const dir = setup()
    await run({ workflow: sample(), baseDir: dir })
    expect((await run({ workflow: sample(), baseDir: dir, force: ["up"] })).statuses).toEqual({
      a: "cached", up: "done", items: "cached", count: "cached"
    })
    expect((await run({ workflow: sample(), baseDir: dir, from: ["up"] })).statuses).toEqual({
      a: "cached", up: "done", items: "done", count: "done"
    })
    expect((await run({ workflow: sample(), baseDir: dir, only: ["items"] })).statuses).toEqual({ items: "done" })
  })

  it("plan says what is cached and why the rest will run", async () => {
    const dir = setup()
    await run({ workflow: sample(), baseDir: dir })
    const plan = await Effect.runPromise(planWorkflow({ workflow: sample(), baseDir: dir, set: ["up.suffix=\"?\""] }))
    const byStage = Object.fromEntries(plan.map((p) => [p.stage, p]))
    expect(byStage.a.action).toBe("cached")
    expect(byStage.up.action).toBe("run")
    expect(byStage.up.reason).toContain('config suffix "!" → "?"')
    expect(byStage.items.action).toBe("run")
    expect(byStage.items.reason).toContain("upstream")
  })

  it("independent stages run concurrently within the bound", async () => {
    const dir = setup()
    const wf = Workflow.make("fan", (w) => {
      const a = w.stage("a", source, { text: "x" })
      for (let i = 0; i < 4; i++) w.stage(`s${i}`, slowItems, { items: 2, delayMs: 30 }, { src: a })
    }, { concurrency: 2 })
    const r = await run({ workflow: wf, baseDir: dir })
    let running = 0
    let peak = 0
    for (const e of r.events) {
      if (e.type !== "stage") continue
      if (e.status === "running") peak = Math.max(peak, ++running)
      if (e.status === "done" && e.stage !== "a") running--
      if (e.status === "done" && e.stage === "a") running--
    }
    expect(peak).toBe(2)
    expect(Object.values(r.statuses).every((s) => s === "done")).toBe(true)
  })
})

describe("engine: retry", () => {
  it("a stage failing twice transiently completes with 3 journaled attempts", async () => {
    const dir = setup()
    const wf = Workflow.make("flaky", (w) => {
      const f = w.stage("flaky", flaky, { failTimes: 2, retryAfterMs: 3 })
      w.stage("after", upper, {}, { src: f })
    })
    const r = await run({ workflow: wf, baseDir: dir })
    expect(r.statuses).toEqual({ flaky: "done", after: "done" })
    const retrying = r.events.filter((e) => e.type === "stage" && e.status === "retrying")
    expect(retrying.map((e) => (e as any).delayMs)).toEqual([3, 3]) // Retry-After honoured
    const runId = (r.exit as Exit.Success<any, any>).value.runId
    const attempts = await withJournal(path.join(dir, ".zaoji"), (j) => j.attempts(runId, "flaky"))
    expect(attempts.map((a) => [a.attempt, a.status, a.errorTag])).toEqual([
      [1, "failed", "TransientError"],
      [2, "failed", "TransientError"],
      [3, "done", null]
    ])
    expect(attempts[0].error).toBe("HTTP 503: simulated failure 1 of 2")
  })

  it("a permanent error fails at once with one attempt, and its dependents are skipped", async () => {
    const dir = setup()
    const wf = Workflow.make("perm", (w) => {
      const f = w.stage("flaky", flaky, { failTimes: 2, kind: "permanent" })
      w.stage("after", upper, {}, { src: f })
      w.stage("independent", source, { text: "still runs" })
    })
    const r = await run({ workflow: wf, baseDir: dir })
    expect(r.statuses).toEqual({ flaky: "failed", after: "skipped", independent: "done" })
    const err = failureOf(r.exit)
    expect(err._tag).toBe("RunFailed")
    expect(err.failures).toEqual([{ stage: "flaky", tag: "PermanentError", message: "shape mismatch: simulated failure 1 of 2", attempts: 1 }])
    expect(fs.readdirSync(path.join(dir, ".zaoji", "tmp"))).toEqual([]) // no half-written artifact left
  })

  it("a thrown bug is a permanent failure with its message, not retried", async () => {
    const dir = setup()
    const wf = Workflow.make("bug", (w) => void w.stage("flaky", flaky, { failTimes: 1, kind: "defect" }))
    const r = await run({ workflow: wf, baseDir: dir })
    const err = failureOf(r.exit)
    expect(err.failures[0]).toMatchObject({ stage: "flaky", tag: "PermanentError", attempts: 1 })
    expect(err.failures[0].message).toContain("bug: simulated failure 1 of 1")
  })
})

describe("engine: validation", () => {
  it("reports every problem at once with stage id and field path, and runs nothing", async () => {
    const dir = setup()
    const wf = (await import("./fixtures/broken.workflow.js")).default
    const r = await run({ workflow: wf, baseDir: dir, set: ["ghost.x=1", "a.text=\"fine\"", "nofield"], force: ["phantom"] })
    const err = failureOf(r.exit)
    expect(err._tag).toBe("WorkflowInvalid")
    const text = err.message as string
    expect(text).toContain('a: duplicate stage id')
    expect(text).toContain('a.file: input file "missing.txt" does not exist')
    expect(text).toContain('b.inputs.src: unknown stage id "nope"')
    expect(text).toContain("b.colour: unknown field")
    expect(text).toMatch(/form a cycle/)
    expect(text).toContain("ghost.x: --set names an unknown stage id")
    expect(text).toContain("--set: \"nofield\" is not of the form STAGE.FIELD=VALUE")
    expect(text).toContain("phantom: --force names an unknown stage id")
    expect(r.events).toEqual([])
    expect(fs.existsSync(path.join(dir, ".zaoji"))).toBe(false)
  })

  it("a bad config value names the field and what was expected", async () => {
    const dir = setup()
    const r = await run({ workflow: sample(), baseDir: dir, set: ["items.items=-2", "a.text=7", "items.delayMs=slow"] })
    const text = failureOf(r.exit).message as string
    expect(text).toContain("items.items: Expected a positive number, actual -2")
    expect(text).toContain('a.text: Expected string, actual 7')
    // an optional field is `number | undefined`: one line, not one per union member
    expect(text).toContain('items.delayMs: Expected number, actual "slow"')
    expect(text).not.toContain("Expected undefined")
    expect(text).toMatch(/has 3 problems/)
  })
})

describe("engine: rules between fields and wiring", () => {
  // a stage whose text comes from its config or from an optional input, not both; `repeat` > 1 needs `separator`
  const joiner = Stage.make({
    name: "toy.joiner",
    version: "1",
    config: Schema.Struct({ text: Schema.optional(Schema.String), repeat: Schema.Int, separator: Schema.optional(Schema.String), file: Schema.String }).pipe(
      Schema.filter((c) => (c.repeat > 1 && c.separator === undefined ? [{ path: ["separator"], message: `repeat is ${c.repeat}: give a separator` }] : []))
    ),
    output: Schema.Struct({ text: Schema.String }),
    inputs: Stage.inputsWithOptional<{ src: { file: string; chars: number } | undefined }>(["src"], ["src"]),
    files: (c) => [c.file],
    checkWiring: ({ config, wired }) =>
      config.text !== undefined && wired.includes("src")
        ? [{ field: "text", message: "text and the src input are both given: one of them" }]
        : config.text === undefined && !wired.includes("src")
          ? [{ field: "text", message: "expected text or a wired src input, got neither" }]
          : [],
    run: ({ config, inputs }) =>
      Effect.sync(() => ({ text: Array(config.repeat).fill(config.text ?? fs.readFileSync(path.join(inputs.src!.dir, inputs.src!.value!.file), "utf8")).join(config.separator ?? "") }))
  })

  it("are reported with the decoding problems, naming stage and field, before any file is read or stage runs", async () => {
    const dir = setup()
    const wf = Workflow.make("rules", (w) => {
      const a = w.stage("a", source, { text: "hello", file: "input.txt" })
      w.stage("both", joiner, { text: "x", repeat: 1, file: "absent.txt" }, { src: a })
      w.stage("neither", joiner, { repeat: 1, file: "input.txt" })
      w.stage("sep", joiner, { repeat: 2, file: "input.txt" }, { src: a })
    })
    const r = await run({ workflow: wf, baseDir: dir })
    const err = failureOf(r.exit)
    expect(err._tag).toBe("WorkflowInvalid")
    expect(err.message).toContain("both.text: text and the src input are both given: one of them")
    // the rule is decided from the config: the file it names does not even exist
    expect(err.message).toContain('both.file: input file "absent.txt" does not exist')
    expect(err.message).toContain("neither.text: expected text or a wired src input, got neither")
    expect(err.message).toContain("sep.separator: repeat is 2: give a separator")
    expect(err.message).toMatch(/has 4 problems/)
    expect(r.events).toEqual([])

    const fixed = Workflow.make("rules", (w) => {
      const a = w.stage("a", source, { text: "hello", file: "input.txt" })
      w.stage("sep", joiner, { repeat: 2, separator: "+", file: "input.txt" }, { src: a })
    })
    expect((await run({ workflow: fixed, baseDir: dir })).statuses).toEqual({ a: "done", sep: "done" })
  })
})

describe("engine: input checks", () => {
  // reads its file only at the end, like an evaluation stage; its check reads it up front
  const lateReader = Stage.make({
    name: "toy.late-reader",
    version: "1",
    config: Schema.Struct({ file: Schema.String }),
    output: Schema.Struct({ lines: Schema.Number }),
    inputs: Stage.inputs<{ src: unknown }>("src"),
    files: (c) => [c.file],
    check: ({ config, baseDir }) =>
      Effect.suspend(() => {
        const bad = fs.readFileSync(path.join(baseDir, config.file), "utf8").split("\n").findIndex((l) => l.includes("BAD"))
        return bad < 0 ? Effect.void : Effect.fail(new InputError({ message: `${config.file}:${bad + 1}: a BAD line`, location: config.file }))
      }),
    run: ({ config, ctx }) => Effect.sync(() => ({ lines: fs.readFileSync(path.join(ctx.baseDir, config.file), "utf8").split("\n").length }))
  })
  const withLate = () =>
    Workflow.make("late", (w) => {
      const a = w.stage("a", source, { text: "hello", file: "input.txt" })
      w.stage("late", lateReader, { file: "eval.txt" }, { src: a })
    })

  it("a failing check stops the run before any stage starts, naming the stage; with the file fixed the run proceeds", async () => {
    const dir = setup()
    fs.writeFileSync(path.join(dir, "eval.txt"), "ok\nBAD\n")
    const bad = await run({ workflow: withLate(), baseDir: dir })
    const err = failureOf(bad.exit)
    expect(err._tag).toBe("WorkflowInvalid")
    expect(err.message).toContain("late: eval.txt:2: a BAD line")
    expect(bad.events.filter((e) => e.type === "stage")).toEqual([])

    fs.writeFileSync(path.join(dir, "eval.txt"), "ok\nfine\n")
    expect((await run({ workflow: withLate(), baseDir: dir })).statuses).toEqual({ a: "done", late: "done" })
  })
})

describe("engine: secrets", () => {
  it("never writes API keys to manifests, logs or the journal", async () => {
    const dir = setup()
    process.env.ZAOJI_TEST_API_KEY = "sk-env-secret-123"
    try {
      const wf = Workflow.make("secret", (w) => void w.stage("s", secretive, { endpoint: "http://127.0.0.1:9/v1", apiKey: "sk-config-secret-456" }))
      const r = await run({ workflow: wf, baseDir: dir })
      expect(r.statuses).toEqual({ s: "done" })
      const everything = [
        JSON.stringify(r.events),
        ...walk(path.join(dir, ".zaoji")).filter((f) => !f.endsWith("reply.txt")).map((f) => fs.readFileSync(f).toString("latin1"))
      ].join("\n")
      expect(everything).not.toContain("sk-env-secret-123")
      expect(everything).not.toContain("sk-config-secret-456")
      const log = r.events.find((e) => e.type === "log") as any
      expect(log.message).toBe("calling http://127.0.0.1:9/v1 with [redacted]")
      expect(log.fields).toEqual({ apiKey: "[redacted]" })
    } finally {
      delete process.env.ZAOJI_TEST_API_KEY
    }
  })
})

const walk = (d: string): string[] =>
  fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]))

describe("engine: scopes and policies", () => {
  it("a workflow can override a stage's retry policy", async () => {
    const dir = setup()
    const wf = Workflow.make("capped", (w) => void w.stage("flaky", flaky, { failTimes: 3 }, {}, { retry: { maxAttempts: 2, baseDelayMs: 1 } }))
    const r = await run({ workflow: wf, baseDir: dir })
    expect(failureOf(r.exit).failures).toEqual([{ stage: "flaky", tag: "TransientError", message: "HTTP 503: simulated failure 2 of 3", attempts: 2 }])
    // the next run resumes the same stage key and its checkpointed failure count: one more failure, then success
    const again = await run({ workflow: wf, baseDir: dir })
    expect(again.statuses).toEqual({ flaky: "done" })
  })

  it("compute-heavy stages share one device slot even when more stages may run at once", async () => {
    const dir = setup()
    let active = 0
    let peak = 0
    const heavy = Stage.make({
      name: "toy.heavy",
      version: "1",
      config: Schema.Struct({ n: Schema.Number }),
      output: Schema.Struct({ n: Schema.Number }),
      inputs: Stage.inputs(),
      compute: true,
      run: ({ config }) =>
        Effect.gen(function* () {
          peak = Math.max(peak, ++active)
          yield* Effect.sleep(20)
          active--
          return { n: config.n }
        })
    })
    const wf = Workflow.make("heavy", (w) => {
      for (let i = 0; i < 4; i++) w.stage(`h${i}`, heavy, { n: i })
    }, { concurrency: 4 })
    const r = await run({ workflow: wf, baseDir: dir })
    expect(Object.values(r.statuses)).toEqual(["done", "done", "done", "done"])
    expect(peak).toBe(1)
  })
})
