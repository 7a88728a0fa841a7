import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterEach, describe, expect, it, vi } from "vitest"
import { cli } from "./cliInProcess.js"

const sample = path.resolve(import.meta.dirname, "../../../test/engine/fixtures/sample.workflow.ts")


afterEach(() => vi.restoreAllMocks())

describe("zaoji commands", () => {
  it("plan, status, runs, inspect and gc work on one store", async () => {
    const store = fs.mkdtempSync(path.join(os.tmpdir(), "zaoji-cli-"))
    expect((await cli("run", sample, "--store", store, "--json", "--set", "up.suffix=old")).code).toBe(0)
    const run = await cli("run", sample, "--store", store, "--json")
    expect(run.code).toBe(0)
    const events = run.stdout.trim().split("\n").map((l) => JSON.parse(l))
    expect(events[0]).toMatchObject({ type: "run", status: "started", workflow: "sample", stages: 4 })
    expect(events.filter((e) => e.type === "stage" && e.status === "done").map((e) => e.stage).sort()).toEqual(["count", "items", "up"])
    expect(events.filter((e) => e.type === "progress").at(-1)).toMatchObject({ stage: "items", done: 6, total: 6, unit: "items" })

    const plan = await cli("plan", sample, "--store", store, "--json", "--set", "items.items=7")
    const rows = plan.stdout.trim().split("\n").map((l) => JSON.parse(l))
    expect(rows.map((r) => [r.stage, r.action])).toEqual([["a", "cached"], ["up", "cached"], ["items", "run"], ["count", "cached"]])
    expect(rows[2].reason).toBe("config items 6 → 7")

    const st = await cli("status", "--store", store, "--json")
    const status = JSON.parse(st.stdout)
    expect(status.run.status).toBe("done")
    expect(status.stages.map((s: any) => [s.stageId, s.status])).toContainEqual(["items", "done"])

    const runs = (await cli("runs", "--store", store)).stdout.trim().split("\n")
    expect(runs).toHaveLength(2)
    expect(runs[0]).toContain("3 ran, 1 cached")

    const inspect = await cli("inspect", "count", "--store", store)
    expect(inspect.code).toBe(0)
    expect(inspect.stdout).toContain("stage    count (toy.count v1), workflow sample")
    expect(inspect.stdout).toMatch(/b ← up \(toy\.upper v1\)/)
    expect(inspect.stdout).toMatch(/ {6}src ← a \(toy\.source v1\)/)
    const key = JSON.parse((await cli("inspect", "up", "--store", store, "--json")).stdout).manifest.key as string
    const byKey = JSON.parse((await cli("inspect", key.slice(0, 10), "--store", store, "--json")).stdout)
    expect(byKey.manifest.config).toEqual({ suffix: "!" })
    expect(byKey.lineage.inputs[0]).toMatchObject({ input: "src", stage: "a" })

    const missing = await cli("inspect", "nope", "--store", store)
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('no artifact for "nope"')

    // the "old" suffix run left 3 artifacts (up, items, count) nobody references any more
    const before = fs.readdirSync(path.join(store, "artifacts"))
    expect(before).toHaveLength(7)
    const dry = JSON.parse((await cli("gc", sample, "--store", store, "--json", "--dry-run")).stdout)
    expect(dry.removed).toHaveLength(3)
    expect(fs.readdirSync(path.join(store, "artifacts"))).toHaveLength(7)
    const gc = JSON.parse((await cli("gc", sample, "--store", store, "--json")).stdout)
    expect(gc.removed.sort()).toEqual(dry.removed.sort())
    expect(fs.readdirSync(path.join(store, "artifacts"))).toHaveLength(4)
    const again = (await cli("run", sample, "--store", store, "--json")).stdout.trim().split("\n").map((l) => JSON.parse(l))
    expect(again.filter((e) => e.type === "stage").every((e) => e.status === "cached")).toBe(true)
  })

  it("a read command on a store that does not exist is a usage error", async () => {
    const r = await cli("status", "--store", path.join(os.tmpdir(), "zaoji-no-such-store"))
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("no store at")
  })
})
