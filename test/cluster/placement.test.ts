import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { stageStatuses } from "../engine/cliProcess.js"
import { clusterStatusJson, skipReason, startCluster, submit, workDir, workLines, type Cluster } from "./cluster.js"

const skip = skipReason()
if (skip) console.warn(`cluster placement tests skipped: ${skip}`)

describe.skipIf(skip !== undefined)("cluster: placement (three runners, one PostgreSQL)", () => {
  let c: Cluster
  beforeAll(async () => {
    c = await startCluster([{}, {}, { tags: "gpu,mem=80G" }])
  }, 120_000)
  afterAll(async () => {
    await c?.stop()
  }, 60_000)

  it("spreads independent stages over the runners, records where each ran, and sends device stages only to gpu runners", async () => {
    const dir = workDir("spread")
    const store = path.join(dir, "store")
    const log = path.join(dir, "work.log")
    const sets = [...Array.from({ length: 6 }, (_, i) => `data${i}.log=${log}`), ...Array.from({ length: 3 }, (_, i) => `dev${i}.log=${log}`)]
    const r = await submit(c, "spread.workflow.ts", store, sets)
    expect(r.code, r.stderr).toBe(0)
    const st = stageStatuses(r)
    for (let i = 0; i < 6; i++) expect(st[`data${i}`]).toBe("done")
    for (let i = 0; i < 3; i++) expect(st[`dev${i}`]).toBe("done")

    // placement in the journal: one row per stage, each on a live runner
    const run = r.events.find((e) => e.type === "run" && e.status === "started").run
    const status = await clusterStatusJson(c, run)
    expect(status.submission.id).toBe(run)
    const byStage = new Map<string, any>(status.placements.map((p: any) => [p.stageId, p]))
    expect(byStage.size).toBe(9)
    const runnerIds = new Set(c.runners.map((x) => x.id))
    for (const p of status.placements) {
      expect(p.status).toBe("done")
      expect(runnerIds.has(p.runner)).toBe(true)
    }
    // the processes that really executed them agree with the journal
    const pidOf = new Map(c.runners.map((x) => [x.id, x.pid]))
    const executed = workLines(log)
    expect(executed).toHaveLength(9)
    for (const e of executed) expect(e.pid).toBe(pidOf.get(byStage.get(e.label).runner))

    const dataRunners = new Set(Array.from({ length: 6 }, (_, i) => byStage.get(`data${i}`).runner))
    expect(dataRunners.size).toBeGreaterThanOrEqual(2)
    const gpu = c.runners[2]!.id
    for (let i = 0; i < 3; i++) expect(byStage.get(`dev${i}`).runner).toBe(gpu)

    // the runners and their tags are listed
    const tags = new Map<string, any>(status.runners.map((x: any) => [x.id, x]))
    expect(tags.get(gpu).tags).toEqual(["gpu", "mem=80G"])
    expect(tags.get(c.runners[0]!.id).tags).toEqual([])
    for (const x of status.runners) expect(x.state).toBe("up")

    // the artifacts are in the shared store, committed (manifest present), nothing half-written left
    for (const p of status.placements) expect(fs.existsSync(path.join(store, "artifacts", p.key, "manifest.json"))).toBe(true)

    // submitting again: everything cached, nothing executed again
    const again = await submit(c, "spread.workflow.ts", store, sets)
    expect(again.code, again.stderr).toBe(0)
    expect(Object.values(stageStatuses(again)).every((s) => s === "cached")).toBe(true)
    expect(workLines(log)).toHaveLength(9)
  }, 180_000)

  it("never places a device stage on a runner without the gpu tag, even when that runner is the only one free", async () => {
    // all three device stages queue on the one gpu runner (one slot) while the others stay idle
    const dir = workDir("gpu-only")
    const log = path.join(dir, "work.log")
    const sets = [
      ...Array.from({ length: 6 }, (_, i) => `data${i}.log=${log}`),
      ...Array.from({ length: 3 }, (_, i) => `dev${i}.log=${log}`),
      ...Array.from({ length: 3 }, (_, i) => `dev${i}.ms=600`),
      ...Array.from({ length: 6 }, (_, i) => `data${i}.ms=0`)
    ]
    const r = await submit(c, "spread.workflow.ts", path.join(dir, "store"), sets)
    expect(r.code, r.stderr).toBe(0)
    const gpuPid = c.runners[2]!.pid
    const dev = workLines(log).filter((e) => e.label.startsWith("dev"))
    expect(dev).toHaveLength(3)
    for (const e of dev) expect(e.pid).toBe(gpuPid)
  }, 120_000)
  it("resolves continueFrom: KEY against the shared store: the runner builds on the stored artifact; a key not in the store is refused before anything is sent", async () => {
    const dir = workDir("refs")
    const store = path.join(dir, "store")
    const total = (r: Awaited<ReturnType<typeof submit>>, stage: string) => {
      const key = r.events.find((e) => e.type === "stage" && e.stage === stage && (e.status === "done" || e.status === "cached")).key
      return JSON.parse(fs.readFileSync(path.join(store, "artifacts", key, "manifest.json"), "utf8")).output.total as number
    }
    const first = await submit(c, "refs.workflow.ts", store, [])
    expect(first.code, first.stderr).toBe(0)
    expect(total(first, "more")).toBe(7)
    const baseKey = first.events.find((e) => e.type === "stage" && e.stage === "base" && e.status === "done").key

    // `more` now names base's artifact by its store key, and adds 3 more
    const byKey = await submit(c, "refs.workflow.ts", store, [`more.continueFrom=${baseKey}`, "more.add=3"])
    expect(byKey.code, byKey.stderr).toBe(0)
    expect(stageStatuses(byKey).more).toBe("done")
    expect(total(byKey, "more")).toBe(8)

    const missing = "0".repeat(32)
    const refused = await submit(c, "refs.workflow.ts", store, [`more.continueFrom=${missing}`])
    expect(refused.code).not.toBe(0)
    expect(refused.stderr).toContain(`no finished artifact ${missing}`)
    expect(refused.stderr).toContain("continueFrom")
  }, 180_000)
})
