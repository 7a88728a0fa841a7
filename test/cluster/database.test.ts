import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { stageStatuses } from "../engine/cliProcess.js"
import { skipReason, startCluster, submit, workDir, type Cluster } from "./cluster.js"

const skip = skipReason()
if (skip) console.warn(`cluster database tests skipped: ${skip}`)

const waitFor = async (what: string, ok: () => boolean, ms = 90_000) => {
  const t0 = Date.now()
  while (!ok()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** every folder under artifacts/ is a committed artifact (has its manifest); nothing else is there */
const storeConsistent = (store: string) => {
  const dir = path.join(store, "artifacts")
  if (!fs.existsSync(dir)) return true
  return fs.readdirSync(dir).every((k) => fs.existsSync(path.join(dir, k, "manifest.json")))
}

describe.skipIf(skip !== undefined)("cluster: PostgreSQL stopped mid-run", () => {
  let c: Cluster
  beforeAll(async () => {
    c = await startCluster([{ tags: "gpu" }, { tags: "gpu" }])
  }, 120_000)
  afterAll(async () => {
    await c?.stop()
  }, 60_000)

  it("the submitter fails with a clear error, the store stays consistent, and a re-run after the restart completes", async () => {
    const dir = workDir("pg-stop")
    const store = path.join(dir, "store")
    const log = path.join(dir, "work.log")
    const sets = [`prep.log=${log}`, `train.log=${log}`, "train.steps=60"]
    let key = ""
    const first = submit(c, "train.workflow.ts", store, sets, (e) => {
      if (e.type === "stage" && e.stage === "train" && e.status === "running") key = e.key
    })
    await waitFor("the training stage to checkpoint", () => {
      if (key === "") return false
      try {
        return JSON.parse(fs.readFileSync(path.join(store, "checkpoints", key, "state", "meta.json"), "utf8")).meta.step >= 4
      } catch {
        return false
      }
    })
    c.pg.stop()
    const r = await first
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/lost the cluster database at postgres:\/\/zaoji@127\.0\.0\.1:\d+\/postgres/)
    expect(r.stderr).not.toMatch(/internal error/)
    expect(fs.existsSync(path.join(store, "artifacts", key, "manifest.json"))).toBe(false)
    expect(storeConsistent(store)).toBe(true)

    c.pg.start()
    // the runners rode the outage out: no supervisor needed
    for (const x of c.runners) expect([x.child.exitCode, x.child.signalCode]).toEqual([null, null])
    const again = await submit(c, "train.workflow.ts", store, sets)
    expect(again.code, again.stderr).toBe(0)
    expect(["done", "cached"]).toContain(stageStatuses(again).train)
    expect(fs.existsSync(path.join(store, "artifacts", key, "weights.json"))).toBe(true)
    expect(storeConsistent(store)).toBe(true)
    expect(fs.existsSync(path.join(store, "checkpoints", key))).toBe(false)
  }, 240_000)
})
