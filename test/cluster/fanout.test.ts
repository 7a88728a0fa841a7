import { defaultHandler, startLlmServer, type LlmServer } from "@zaoji/testing"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { stageStatuses, zaoji } from "../engine/cliProcess.js"
import { clusterStatusJson, expectFaultsRetriedAndItemsAnsweredOnce, fixture, skipReason, startCluster, submit, workDir, type Cluster } from "./cluster.js"

const skip = skipReason()
if (skip) console.warn(`cluster fan-out tests skipped: ${skip}`)

/** the request's item: its user message */
const itemOf = (body: unknown) => (body as { messages: Array<{ role: string; content: string }> }).messages.find((m) => m.role === "user")!.content
/** requests of both QA stages (5 entities: symptoms 5 + checks 5; drugs 4 + complications 4) */
const ITEMS = 18
/** the endpoint's `concurrency` in the workflow */
const LIMIT = 3

describe.skipIf(skip !== undefined)("cluster: the items of LLM stages fan out over three runners", () => {
  let c: Cluster
  let llm: LlmServer
  /** the clean single-machine store of the first test (the second compares against it) */
  let alone: string
  beforeAll(async () => {
    // a slow answer, so that requests of both stages overlap and the shared limit has something to hold back
    llm = await startLlmServer({ handler: async (req, seq) => (await new Promise((r) => setTimeout(r, 150)), defaultHandler(req, seq)) })
    c = await startCluster([{ slots: 2 }, { slots: 2 }, { slots: 2 }])
  }, 120_000)
  afterAll(async () => {
    await c?.stop()
    await llm?.close()
  }, 60_000)

  it("429, 500 and a hang: same QA as a clean single-machine run, no item asked again after it finished, one limit per endpoint", async () => {
    const dir = workDir("fanout")
    const sets = ["qa1", "qa2"].map((s) => `${s}.llm.baseURL=${llm.baseURL}`)

    // the clean reference: one machine, the embedded engine, no faults
    alone = path.join(dir, "alone")
    const clean = await zaoji(["run", fixture("kgqa.workflow.ts"), "--store", alone, "--json", ...sets.flatMap((s) => ["--set", s])])
    expect(clean.code, clean.stderr).toBe(0)
    llm.clearRequests()
    llm.resetMaxInFlight()

    llm.failNext(2, { kind: "429", retryAfterSeconds: 0 })
    llm.failNext(2, { kind: "500" })
    llm.failNext(1, { kind: "hang" })
    const store = path.join(dir, "store")
    const r = await submit(c, "kgqa.workflow.ts", store, sets)
    expect(r.code, r.stderr).toBe(0)
    const st = stageStatuses(r)
    expect(st.qa1).toBe("done")
    expect(st.qa2).toBe("done")

    // the faults happened and were retried; every item answered exactly once, never asked for after that
    expectFaultsRetriedAndItemsAnsweredOnce(llm.chatRequests(), itemOf, { "429": 2, "500": 2, hang: 1 }, ITEMS)
    // one limit for the endpoint over the whole cluster, although two stages on two runners used it
    expect(llm.maxInFlight()).toBeGreaterThan(0)
    expect(llm.maxInFlight()).toBeLessThanOrEqual(LIMIT)

    // the same QA as the clean run (same configs, so the same keys)
    for (const stage of ["qa1", "qa2"]) {
      const key = r.events.find((e) => e.type === "stage" && e.stage === stage && e.status === "done").key
      const file = (root: string) => fs.readFileSync(path.join(root, "artifacts", key, "qa.jsonl"), "utf8")
      expect(file(store)).toBe(file(alone))
      expect(file(store).trim().split("\n").length).toBeGreaterThan(0)
    }

    // fanned out: the journal shows each stage's items executed on more than one runner, every one done
    // once (a failed attempt is journaled as failed and tried again)
    const status = await clusterStatusJson(c)
    const items = status.items as Array<{ stageKey: string; runner: string; status: string }>
    expect(items.filter((i) => i.status === "done")).toHaveLength(ITEMS)
    expect(items.filter((i) => i.status === "failed")).toHaveLength(5)
    expect(new Set(items.map((i) => i.runner)).size).toBeGreaterThanOrEqual(2)
    const runnerOfStage = new Map(status.placements.map((p: any) => [p.key, p.runner]))
    expect(items.some((i) => i.runner !== runnerOfStage.get(i.stageKey))).toBe(true)
  }, 300_000)
  it("kill -9 of a runner while items are in flight: the items move on and the output is the clean run's", async () => {
    const dir = workDir("fanout-kill")
    const sets = ["qa1", "qa2"].map((s) => `${s}.llm.baseURL=${llm.baseURL}`)
    // slower answers, so that the kill lands while items are in flight
    llm.setHandler(async (req, seq) => (await new Promise((r) => setTimeout(r, 400)), defaultHandler(req, seq)))
    llm.clearRequests()
    const store = path.join(dir, "store")
    const victim = c.runners[1]!
    let killed = false
    const watch = setInterval(() => {
      if (!killed && llm.chatRequests().length >= 4) {
        killed = true
        victim.child.kill("SIGKILL")
      }
    }, 20)
    const r = await submit(c, "kgqa.workflow.ts", store, sets).finally(() => clearInterval(watch))
    expect(killed).toBe(true)
    expect(r.code, r.stderr).toBe(0)

    // every item answered, the same QA as the clean run
    const answers = new Map<string, number>()
    for (const q of llm.chatRequests()) if (q.status === 200) answers.set(itemOf(q.body), (answers.get(itemOf(q.body)) ?? 0) + 1)
    expect(answers.size).toBe(ITEMS)
    // requests in flight when the runner died may be made again (their answers died with it, or their
    // stage moved and asks anew): a figure, not a bound this test can prove
    const again = [...answers.values()].reduce((n, k) => n + k - 1, 0)
    console.log(`kill -9 during fan-out: ${again} answers of ${ITEMS} items were requested again`)
    for (const stage of ["qa1", "qa2"]) {
      const key = r.events.find((e) => e.type === "stage" && e.stage === stage && e.status === "done").key
      const file = (root: string) => fs.readFileSync(path.join(root, "artifacts", key, "qa.jsonl"), "utf8")
      expect(file(store)).toBe(file(alone))
    }
  }, 300_000)
})
