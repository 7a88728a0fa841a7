import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { fixture, stageStatuses, zaoji, zaojiHere } from "./cliProcess.js"
import { tmpDir } from "./helpers.js"

const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)

describe("zaoji run (child process)", () => {
  it("survives kill -9 mid-stage: the re-run finishes, skips completed stages and redoes no finished item", async () => {
    const dir = tmpDir("kill")
    const store = path.join(dir, "store")
    const workLog = path.join(dir, "work.log")
    const args = ["run", fixture("sample.workflow.ts"), "--store", store, "--json",
      "--set", "items.items=40", "--set", "items.delayMs=40", "--set", `items.workLog=${workLog}`]
    let killedAt = -1
    const first = await zaoji(args, (e, child) => {
      if (e.type === "progress" && e.stage === "items" && e.done >= 5 && killedAt < 0) {
        killedAt = e.done
        child.kill("SIGKILL")
      }
    })
    expect(first.signal).toBe("SIGKILL")
    expect(killedAt).toBeGreaterThanOrEqual(5)
    const before = fs.readFileSync(workLog, "utf8").trim().split("\n")
    expect(before.length).toBeGreaterThanOrEqual(killedAt)
    expect(before.length).toBeLessThan(40)

    const second = await zaoji(args)
    expect(second.code).toBe(0)
    const st = stageStatuses(second)
    expect(st.a).toBe("cached")
    expect(st.up).toBe("cached")
    expect(st.items).toBe("done")
    const all = fs.readFileSync(workLog, "utf8").trim().split("\n")
    const redone = all.slice(before.length).filter((id) => before.includes(id))
    expect(redone).toEqual([])
    expect(new Set(all).size).toBe(all.length)
    // the stage's result is complete even though the two runs each computed part of it
    const items = second.events.find((e) => e.type === "stage" && e.stage === "items" && e.status === "done")
    const out = fs.readFileSync(path.join(store, "artifacts", items.key, "items.txt"), "utf8").split("\n")
    expect(out).toHaveLength(40)
    expect(out[39]).toBe(`39:${"HELLOWORLD\n!".length * 39}`)
    expect(fs.existsSync(path.join(store, "checkpoints", items.key))).toBe(false)

    const status = await zaojiHere(["runs", "--store", store, "--json"])
    const runs = status.stdout.trim().split("\n").map((l) => JSON.parse(l))
    expect(runs.map((r) => r.status)).toEqual(["done", "interrupted"])
  })

  it("refuses a second concurrent run on one store, naming the holder; the store stays intact", async () => {
    const dir = tmpDir("lock")
    const store = path.join(dir, "store")
    const gate = path.join(dir, "gate")
    const slow = ["run", fixture("sample.workflow.ts"), "--store", store, "--json", "--set", `items.waitFor=${gate}`]
    let second: Awaited<ReturnType<typeof zaoji>> | undefined
    let started: Promise<void> | undefined
    // the first run holds inside its "items" stage until the second run has been turned away
    const first = await zaoji(slow, (e) => {
      if (e.type === "progress" && !started) {
        started = zaoji(["run", fixture("sample.workflow.ts"), "--store", store]).then((r) => {
          second = r
          fs.writeFileSync(gate, "")
        })
      }
    })
    await started
    expect(first.code).toBe(0)
    expect(second!.code).toBe(2)
    expect(second!.stderr).toMatch(/store .* is in use by process \d+ on .*zaoji run/)
    noStackTrace(second!.stderr)
    const again = await zaojiHere(slow)
    expect(again.code).toBe(0)
    expect(Object.values(stageStatuses(again))).toEqual(["cached", "cached", "cached", "cached"])
  })

  it("Ctrl-C interrupts cleanly: exit 1, lock released, no temp folders, run journaled as interrupted", async () => {
    const dir = tmpDir("sigint")
    const store = path.join(dir, "store")
    const args = ["run", fixture("sample.workflow.ts"), "--store", store, "--json", "--set", `items.waitFor=${path.join(dir, "never")}`]
    const r = await zaoji(args, (e, child) => {
      if (e.type === "progress") child.kill("SIGINT")
    })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("interrupted; the store is consistent")
    noStackTrace(r.stderr)
    expect(r.events.at(-2)).toMatchObject({ type: "run", status: "interrupted" })
    expect(fs.existsSync(path.join(store, "lock"))).toBe(false)
    expect(fs.readdirSync(path.join(store, "tmp"))).toEqual([])
    // the item finished before the interrupt is in the stage's checkpoint
    const items = r.events.find((e) => e.type === "stage" && e.stage === "items")
    expect(fs.readdirSync(path.join(store, "checkpoints", items.key, "items"))).toHaveLength(1)
  })

  it("retries a transient failure (3 journaled attempts) and fails a permanent one at once with exit 1", async () => {
    const dir = tmpDir("retry")
    const store = path.join(dir, "store")
    const ok = await zaojiHere(["run", fixture("flaky.workflow.ts"), "--store", store, "--json"])
    expect(ok.code).toBe(0)
    expect(ok.events.filter((e) => e.type === "stage" && e.stage === "flaky").map((e) => e.status)).toEqual([
      "running", "retrying", "running", "retrying", "running", "done"
    ])
    const status = JSON.parse((await zaojiHere(["status", "--store", store, "--json"])).stdout)
    expect(status.stages.find((s: any) => s.stageId === "flaky")).toMatchObject({ status: "done", attempts: 3 })

    const bad = await zaoji(["run", fixture("flaky.workflow.ts"), "--store", path.join(dir, "store2"), "--set", "flaky.kind=permanent"])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain("stage flaky failed after 1 attempt (PermanentError): shape mismatch: simulated failure 1 of 2")
    noStackTrace(bad.stderr)

    // a stage rejecting the user's data is a user mistake: exit 2, with its location
    const input = await zaojiHere(["run", fixture("flaky.workflow.ts"), "--store", path.join(dir, "store3"), "--set", "flaky.kind=input"])
    expect(input.code).toBe(2)
    expect(input.stderr).toContain("bad row: simulated failure 1 of 2 (at data.jsonl:7)")
  })

  it("bad input of every kind exits 2 naming stage and field, without a stack trace", async () => {
    const dir = tmpDir("bad")
    const store = path.join(dir, "store")
    const cases: Array<[string[], string[]]> = [
      [["run", fixture("broken.workflow.ts")], ["a: duplicate stage id", 'a.file: input file "missing.txt" does not exist', 'b.inputs.src: unknown stage id "nope"', "form a cycle", "a.text: Expected string, actual 42", "b.colour: unknown field"]],
      [["run", fixture("sample.workflow.ts"), "--set", "a.file=nothere.txt", "--set", "items.items=oops", "--only", "zzz"], ['a.file: input file "nothere.txt" does not exist', "items.items: Expected", "zzz: --only names an unknown stage id"]],
      [["run", fixture("stages.ts")], ["must have a default export made with Workflow.make"]],
      [["run", fixture("sample.workflow.ts"), "--no-such-flag"], ["--no-such-flag"]]
    ]
    for (const [i, [args, expected]] of cases.entries()) {
      // argument errors are printed by @effect/cli on the console, so that case needs a real process too
      const r = await (i === 0 || i === cases.length - 1 ? zaoji : zaojiHere)([...args, "--store", store])
      expect(r.code, args.join(" ")).toBe(2)
      for (const e of expected) expect(r.stderr).toContain(e)
      noStackTrace(r.stderr)
    }
    expect(fs.existsSync(path.join(store, "artifacts"))).toBe(false)
  })

  it("runs a workflow kept in a folder of its own outside the repository, and says what such a folder needs", async () => {
    // no node_modules here: @zaoji/core and effect come from the installation running the CLI
    const dir = tmpDir("outside")
    for (const f of ["sample.workflow.ts", "stages.ts", "input.txt"]) fs.copyFileSync(fixture(f), path.join(dir, f))
    const noPackage = await zaoji(["run", path.join(dir, "sample.workflow.ts")])
    expect(noPackage.code).toBe(2)
    expect(noPackage.stderr).toContain('would be read as CommonJS (no package.json above')
    expect(noPackage.stderr).toContain('put a package.json containing {"type": "module"} in its folder')
    noStackTrace(noPackage.stderr)

    fs.writeFileSync(path.join(dir, "package.json"), '{ "type": "module" }\n')
    const r = await zaoji(["run", path.join(dir, "sample.workflow.ts"), "--json"])
    expect(r.code, r.stderr).toBe(0)
    expect(Object.values(stageStatuses(r))).toEqual(["done", "done", "done", "done"])
    expect(fs.existsSync(path.join(dir, ".zaoji", "artifacts"))).toBe(true)

    const broken = path.join(dir, "broken.workflow.ts")
    fs.writeFileSync(broken, 'import { Workflow } from "@zaoji/core"\nexport default Workflow.make("x", (w) => {\n  not valid here\n})\n')
    const bad = await zaoji(["run", broken])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain(`${broken}:3:`)
    noStackTrace(bad.stderr)
  })
})
