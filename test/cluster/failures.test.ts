import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { stageStatuses, zaoji } from "../engine/cliProcess.js"
import { clusterStatusJson, fixture, skipReason, startCluster, submit, workDir, workLines, type Cluster } from "./cluster.js"

const skip = skipReason()
if (skip) console.warn(`cluster failure tests skipped: ${skip}`)

const waitFor = async (what: string, ok: () => boolean, ms = 90_000) => {
  const t0 = Date.now()
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** the training stage's "train STEP PID" lines: where each execution started */
const trainStarts = (log: string) =>
  fs.existsSync(log)
    ? fs.readFileSync(log, "utf8").trim().split("\n").filter((l) => l.startsWith("train ")).map((l) => {
        const [, step, pid] = l.split(" ")
        return { step: Number(step), pid: Number(pid) }
      })
    : []

const checkpointStep = (store: string, key: string): number => {
  try {
    return JSON.parse(fs.readFileSync(path.join(store, "checkpoints", key, "state", "meta.json"), "utf8")).meta.step
  } catch {
    return 0
  }
}

describe.skipIf(skip !== undefined)("cluster: failures (three runners, one PostgreSQL)", () => {
  let c: Cluster
  beforeAll(async () => {
    c = await startCluster([{}, { tags: "gpu" }, { tags: "gpu" }])
  }, 120_000)
  afterAll(async () => {
    await c?.stop()
  }, 60_000)

  it("kill -9 of the submitter: submitting again finds finished stages cached, joins running ones, never starts a second copy", async () => {
    const dir = workDir("submitter")
    const store = path.join(dir, "store")
    const log = path.join(dir, "work.log")
    // the device stages queue on the two gpu runners: some finish before the kill, some are running at it
    const sets = [
      ...Array.from({ length: 6 }, (_, i) => `data${i}.log=${log}`),
      ...Array.from({ length: 3 }, (_, i) => `dev${i}.log=${log}`),
      ...Array.from({ length: 3 }, (_, i) => `dev${i}.ms=8000`)
    ]
    let killed = false
    const first = await submit(c, "spread.workflow.ts", store, sets, (e, child) => {
      if (!killed && e.type === "stage" && e.status === "done") {
        killed = true
        child.kill("SIGKILL")
      }
    })
    expect(first.signal).toBe("SIGKILL")
    const doneBefore = new Set(first.events.filter((e) => e.type === "stage" && e.status === "done").map((e) => e.stage))
    expect(doneBefore.size).toBeGreaterThanOrEqual(1)

    const second = await submit(c, "spread.workflow.ts", store, sets)
    expect(second.code, second.stderr).toBe(0)
    const st = stageStatuses(second)
    for (const s of doneBefore) expect(st[s]).toBe("cached")
    expect(Object.values(st).every((s) => s === "cached" || s === "done")).toBe(true)
    // at least one stage was still running when the submitter died; the re-submission joined it
    const joined = second.events.filter((e) => e.type === "stage" && e.status === "cached" && String(e.reason).startsWith("finished meanwhile"))
    expect(joined.length).toBeGreaterThanOrEqual(1)
    // one execution of every stage, across both submissions
    const executed = workLines(log).map((e) => e.label).sort()
    expect(executed).toEqual([...Array.from({ length: 6 }, (_, i) => `data${i}`), ...Array.from({ length: 3 }, (_, i) => `dev${i}`)].sort())
  }, 180_000)

  it("two submitters of the same workflow: one execution of each stage", async () => {
    const dir = workDir("two")
    const store = path.join(dir, "store")
    const log = path.join(dir, "work.log")
    const sets = [...Array.from({ length: 6 }, (_, i) => `data${i}.log=${log}`), ...Array.from({ length: 3 }, (_, i) => `dev${i}.log=${log}`)]
    const [a, b] = await Promise.all([submit(c, "spread.workflow.ts", store, sets), submit(c, "spread.workflow.ts", store, sets)])
    expect(a.code, a.stderr).toBe(0)
    expect(b.code, b.stderr).toBe(0)
    const executed = workLines(log).map((e) => e.label).sort()
    expect(executed).toEqual([...Array.from({ length: 6 }, (_, i) => `data${i}`), ...Array.from({ length: 3 }, (_, i) => `dev${i}`)].sort())
    // each stage is reported finished by both submitters: done by one, cached (finished meanwhile) or done by the other
    for (const r of [a, b]) expect(Object.keys(stageStatuses(r))).toHaveLength(9)
  }, 180_000)

  it("kill -9 of the runner holding a training stage: another gpu runner resumes it from the shared checkpoint, same final weights", async () => {
    const dir = workDir("train")
    const store = path.join(dir, "store")
    const log = path.join(dir, "work.log")
    const sets = [`prep.log=${log}`, `train.log=${log}`]
    let key = ""
    const running = submit(c, "train.workflow.ts", store, sets, (e) => {
      if (e.type === "stage" && e.stage === "train" && e.status === "running") key = e.key
    })
    await waitFor("the training stage to start", () => key !== "" && trainStarts(log).length > 0)
    await waitFor("a checkpoint past step 6", () => checkpointStep(store, key) >= 6)
    const holderPid = trainStarts(log)[0]!.pid
    const holder = c.runners.find((r) => r.pid === holderPid)!
    expect(holder).toBeDefined()
    holder.child.kill("SIGKILL")
    const r = await running
    expect(r.code, r.stderr).toBe(0)
    const starts = trainStarts(log)
    expect(starts).toHaveLength(2)
    expect(starts[0]!.step).toBe(0)
    expect(starts[1]!.step).toBeGreaterThanOrEqual(6)
    expect(starts[1]!.pid).not.toBe(holderPid)
    const gpuPids = c.runners.filter((x) => x !== holder && x.id !== c.runners[0]!.id).map((x) => x.pid)
    expect(gpuPids).toContain(starts[1]!.pid)
    const weights = JSON.parse(fs.readFileSync(path.join(store, "artifacts", key, "weights.json"), "utf8"))
    // the journal shows the lost placement and the one that finished
    const status = await clusterStatusJson(c)
    const rows = status.placements.filter((p: any) => p.stageId === "train")
    expect(rows.map((p: any) => p.status)).toEqual(["lost", "done"])
    expect(rows[0].runner).toBe(holder.id)

    // the same workflow, uninterrupted, on one machine (embedded engine, no database)
    const alone = path.join(dir, "alone")
    const single = await zaoji(["run", fixture("train.workflow.ts"), "--store", alone, "--json", ...sets.flatMap((s) => ["--set", s.replace(log, path.join(dir, "alone.log"))])])
    expect(single.code, single.stderr).toBe(0)
    // (its key differs: its work log is another file)
    const aloneKey = single.events.find((e) => e.type === "stage" && e.stage === "train" && e.status === "done").key
    const aloneWeights = JSON.parse(fs.readFileSync(path.join(alone, "artifacts", aloneKey, "weights.json"), "utf8"))
    expect(aloneWeights).toHaveLength(4)
    expect(weights).toEqual(aloneWeights)
  }, 240_000)
})
