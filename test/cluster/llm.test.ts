import { startLlmServer, type LlmServer } from "@zaoji/testing"
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { stageStatuses, zaoji } from "../engine/cliProcess.js"
import { clusterStatusJson, expectFaultsRetriedAndItemsAnsweredOnce, fixture, skipReason, startCluster, submit, workDir, type Cluster } from "./cluster.js"

const skip = skipReason()
if (skip) console.warn(`cluster LLM tests skipped: ${skip}`)

/** the item a chat request asked for */
const itemOf = (body: unknown) => (body as { messages: Array<{ content: string }> }).messages.at(-1)!.content.replace(/^item /, "")

describe.skipIf(skip !== undefined)("cluster: LLM generation over three runners against the fault server", () => {
  let c: Cluster
  let llm: LlmServer
  beforeAll(async () => {
    llm = await startLlmServer()
    c = await startCluster([{ slots: 2 }, { slots: 2 }, { slots: 2 }])
  }, 120_000)
  afterAll(async () => {
    await c?.stop()
    await llm?.close()
  }, 60_000)

  it("429, 500 and a hang: same output as a clean single-machine run, no item requested again after it finished", async () => {
    const dir = workDir("llm")
    const sets = Array.from({ length: 6 }, (_, i) => `gen${i}.baseURL=${llm.baseURL}`)

    // the clean reference: one machine, the embedded engine, no faults
    const alone = path.join(dir, "alone")
    const clean = await zaoji(["run", fixture("llm.workflow.ts"), "--store", alone, "--json", ...sets.flatMap((s) => ["--set", s])])
    expect(clean.code, clean.stderr).toBe(0)
    llm.clearRequests()

    llm.failNext(2, { kind: "429", retryAfterSeconds: 0 })
    llm.failNext(2, { kind: "500" })
    llm.failNext(1, { kind: "hang" })
    llm.failMatching("part3-2", 2, { kind: "500" })
    const store = path.join(dir, "store")
    const r = await submit(c, "llm.workflow.ts", store, sets)
    expect(r.code, r.stderr).toBe(0)
    const st = stageStatuses(r)
    for (let i = 0; i < 6; i++) expect(st[`gen${i}`]).toBe("done")

    // the faults happened and were retried; every item answered exactly once, never asked for after that
    expectFaultsRetriedAndItemsAnsweredOnce(llm.chatRequests(), itemOf, { "429": 2, "500": 4, hang: 1 }, 24)

    // the same output as the clean run, stage by stage (same configs, so the same keys)
    for (let i = 0; i < 6; i++) {
      const key = r.events.find((e) => e.type === "stage" && e.stage === `gen${i}` && e.status === "done").key
      expect(fs.readFileSync(path.join(store, "artifacts", key, "items.jsonl"), "utf8")).toBe(
        fs.readFileSync(path.join(alone, "artifacts", key, "items.jsonl"), "utf8")
      )
    }

    // fanned out: the stages ran on more than one runner
    const status = await clusterStatusJson(c)
    expect(new Set(status.placements.map((p: any) => p.runner)).size).toBeGreaterThanOrEqual(2)
  }, 240_000)
})
