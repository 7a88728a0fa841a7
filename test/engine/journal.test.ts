import { Context, Effect, Layer } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { Journal, planWorkflow, sqliteJournalLayer, Workflow, type JournalApi } from "@zaoji/core"
import { pgJournalLayer, pgLayer } from "@zaoji/cluster"
import { postgresBin, startPostgres, type PgServer } from "@zaoji/cluster/localPostgres"
import { source, upper } from "./fixtures/stages.js"
import { run, tmpDir } from "./helpers.js"

/**
 * Runs of two workflows, journaled: per stage id of workflow "w", the last finished key is the one
 * that ended last among done and cached outcomes; failed and running ones, and other workflows'
 * stages, do not count.
 */
const journalRuns = (j: JournalApi) =>
  Effect.gen(function* () {
    const runAt = (id: string, workflow: string, startedAt: string) =>
      j.startRun({ id, workflow, workflowFile: "w.workflow.ts", command: "run", pid: 1, startedAt })
    const stage = (runId: string, stageId: string, key: string, status: "done" | "cached" | "failed" | "running", endedAt: string | null) =>
      j.stage({ runId, stageId, key, plugin: "p", status, reason: "", attempts: 1, error: null, startedAt: "2026-01-01T00:00:00.000Z", endedAt })
    yield* runAt("r1", "w", "2026-01-01T00:00:00.000Z")
    yield* stage("r1", "a", "a1", "done", "2026-01-01T00:01:00.000Z")
    yield* stage("r1", "b", "b1", "done", "2026-01-01T00:02:00.000Z")
    yield* stage("r1", "c", "c1", "failed", "2026-01-01T00:03:00.000Z")
    yield* runAt("r2", "w", "2026-01-02T00:00:00.000Z")
    yield* stage("r2", "a", "a2", "cached", "2026-01-02T00:01:00.000Z")
    yield* stage("r2", "b", "b2", "failed", "2026-01-02T00:02:00.000Z")
    yield* stage("r2", "c", "c2", "running", null)
    yield* runAt("r3", "other", "2026-01-03T00:00:00.000Z")
    yield* stage("r3", "a", "x3", "done", "2026-01-03T00:01:00.000Z")
  })

const lastKeysOf = (layer: Layer.Layer<Journal, unknown>) =>
  Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const j = Context.get(yield* Layer.build(layer), Journal)
        yield* journalRuns(j)
        return { w: Object.fromEntries(yield* j.lastKeys("w")), none: (yield* j.lastKeys("none")).size }
      })
    )
  )

const expected = { w: { a: "a2", b: "b1" }, none: 0 }

describe("journal: last finished key of every stage, in one query", () => {
  it("SQLite", async () => {
    expect(await lastKeysOf(sqliteJournalLayer(tmpDir("journal")))).toEqual(expected)
  })

  const pgMissing = "missing" in postgresBin() ? (postgresBin() as { missing: string }).missing : undefined
  if (pgMissing) console.warn(`journal test on PostgreSQL skipped: ${pgMissing}`)
  let pg: PgServer | undefined
  afterAll(() => pg?.destroy())
  it.skipIf(pgMissing !== undefined)("PostgreSQL", async () => {
    pg = await startPostgres()
    expect(await lastKeysOf(pgJournalLayer.pipe(Layer.provide(pgLayer(pg.url))))).toEqual(expected)
  }, 120_000)
})

describe("planning a workflow", () => {
  const wf = (suffix: string) =>
    Workflow.make("plan-journal", (w) => {
      const a = w.stage("a", source, { text: "hello", file: "input.txt" })
      w.stage("up", upper, { suffix }, { src: a })
    })

  it("does not create the store's journal, and explains a re-run from the journal once there is one", async () => {
    const dir = tmpDir("plan-journal")
    fs.writeFileSync(path.join(dir, "input.txt"), " world")
    const store = path.join(dir, ".zaoji")
    const before = await Effect.runPromise(planWorkflow({ workflow: wf("!"), baseDir: dir }))
    expect(before.map((r) => [r.stage, r.action, r.reason])).toEqual([
      ["a", "run", "never built with this configuration"],
      ["up", "run", "never built with this configuration"]
    ])
    expect(fs.existsSync(path.join(store, "journal.sqlite"))).toBe(false)
    await run({ workflow: wf("!"), baseDir: dir })
    const after = await Effect.runPromise(planWorkflow({ workflow: wf("?"), baseDir: dir }))
    expect(after.map((r) => [r.stage, r.action])).toEqual([["a", "cached"], ["up", "run"]])
    expect(after[1]!.reason).toContain('config suffix "!" → "?"')
  })

  it("does not read the journal when every stage is built (nothing to explain)", async () => {
    const dir = tmpDir("plan-journal")
    fs.writeFileSync(path.join(dir, "input.txt"), " world")
    await run({ workflow: wf("!"), baseDir: dir })
    // a journal that cannot be read at all: a plan that read it would fail
    fs.writeFileSync(path.join(dir, ".zaoji", "journal.sqlite"), "not a database")
    const plan = await Effect.runPromise(planWorkflow({ workflow: wf("!"), baseDir: dir }))
    expect(plan.map((r) => [r.stage, r.action])).toEqual([["a", "cached"], ["up", "cached"]])
    await expect(Effect.runPromise(planWorkflow({ workflow: wf("?"), baseDir: dir }))).rejects.toThrow()
  })

  it("reads a journal file without tables (nothing journaled yet) as no finished stages", async () => {
    const dir = tmpDir("plan-journal")
    fs.writeFileSync(path.join(dir, "input.txt"), " world")
    fs.mkdirSync(path.join(dir, ".zaoji"))
    fs.writeFileSync(path.join(dir, ".zaoji", "journal.sqlite"), "")
    const plan = await Effect.runPromise(planWorkflow({ workflow: wf("!"), baseDir: dir }))
    expect(plan.map((r) => [r.stage, r.action, r.reason])).toEqual([
      ["a", "run", "never built with this configuration"],
      ["up", "run", "never built with this configuration"]
    ])
  })
})
