import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Exit, Fiber, Schema } from "effect"
import { KgEntry } from "@zaoji/data"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { artifactOf, runStageOnce } from "@zaoji/core"
import { type LlmServer, startLlmServer } from "@zaoji/testing"
import { KnowledgeGraph, llmWorkItems } from "../src/kit.js"
import { kgJsonl, tempDir, writeFile } from "./fixtures.js"

const KEY_ENV = "ZAOJI_TEST_LLM_KEY"
const KEY = "sk-local-secret-123456"

let server: LlmServer
let kgDir: string
beforeAll(async () => {
  process.env[KEY_ENV] = KEY
  server = await startLlmServer({ apiKey: KEY })
  kgDir = tempDir()
  writeFile(kgDir, "kg.jsonl", kgJsonl)
})
afterAll(() => server.close())
beforeEach(() => server.reset())

const kgInput = (sensitive = false) =>
  artifactOf({ file: "kg.jsonl", kind: "kg" as const, count: 3, sensitive, rowsRead: 3, badRows: 0, byDepartment: {}, byRelation: {} }, kgDir)

const config = (over: Record<string, unknown> = {}, baseURL = server.baseURL) => ({
  generator: "llm" as const,
  relations: ["symptoms", "checks", "drugs", "complications"] as const,
  llm: {
    baseURL,
    model: "local-model",
    apiKeyEnv: KEY_ENV,
    concurrency: 2,
    // generous: under a loaded machine a normal reply must not time out and skew the exact request counts
    timeoutMs: 2_000,
    baseDelayMs: 5,
    maxDelayMs: 50,
    maxAttempts: 6,
    pricePer1kPrompt: 0.5,
    pricePer1kCompletion: 1.5,
    ...over
  }
})

// 3 entities; symptoms 3, checks 3, drugs 2, complications 2 → 10 requests
const ITEMS = 10
const readQa = (dir: string) => readFileSync(join(dir, "qa.jsonl"), "utf8")
const userText = (r: { body: unknown }) => (r.body as { messages: Array<{ role: string; content: string }> }).messages.find((m) => m.role === "user")!.content

describe("kg.generate-qa (llm) against a local OpenAI-compatible server", () => {
  let cleanQa: string

  it("generates validated pairs with usage and cost, and never writes the key anywhere", async () => {
    const dir = tempDir()
    const out = await Effect.runPromise(runStageOnce(KnowledgeGraph.generateQa, config(), { kg: kgInput() }, dir))
    expect(server.chatRequests()).toHaveLength(ITEMS)
    expect(new Set(server.chatRequests().map(userText)).size).toBe(ITEMS)
    expect(server.chatRequests()[0]!.authorization).toBe(`Bearer ${KEY}`)
    expect(out.value).toMatchObject({ kind: "qa", generator: "llm", count: 2 * ITEMS, failedRequests: 0, duplicatesDropped: 0 })
    const usage = out.value.usage!
    expect(usage.requests).toBe(ITEMS)
    expect(usage.attempts).toBe(ITEMS)
    const served = server.chatRequests().length
    expect(served).toBe(ITEMS)
    expect(usage.promptTokens).toBeGreaterThan(0)
    expect(usage.cost).toBeCloseTo((usage.promptTokens / 1000) * 0.5 + (usage.completionTokens / 1000) * 1.5, 10)
    cleanQa = readQa(out.dir)
    const rows = cleanQa.trim().split("\n").map((l) => JSON.parse(l))
    expect(rows[0]).toMatchObject({ source: "kg-llm", entity: "胆囊结石", relation: "symptoms", sensitive: false })
    expect(rows[0].answer).toContain("右上腹绞痛")
    const everything = readQa(out.dir) + readFileSync(join(out.dir, "usage.json"), "utf8") + JSON.stringify(out.ctx.logs) + JSON.stringify(out.ctx.metrics) + JSON.stringify(out.value)
    expect(everything).not.toContain(KEY)
  })

  it("429 with Retry-After, 500, a hang past the timeout, a malformed body and malformed JSON all end with the same items", async () => {
    server.failNext(1, { kind: "429", retryAfterSeconds: 1 })
    server.failNext(2, { kind: "500" })
    server.failNext(1, { kind: "hang" })
    server.failNext(1, { kind: "malformed-body" })
    server.failNext(1, { kind: "malformed-content" })
    const dir = tempDir()
    const out = await Effect.runPromise(runStageOnce(KnowledgeGraph.generateQa, config(), { kg: kgInput() }, dir))
    expect(readQa(out.dir)).toBe(cleanQa)
    const reqs = server.chatRequests()
    expect(reqs.map((r) => r.fault).filter(Boolean).sort()).toEqual(["429", "500", "500", "hang", "malformed-body", "malformed-content"])
    expect(reqs).toHaveLength(ITEMS + 6)
    expect(out.value.usage!.attempts).toBe(ITEMS + 6)
    expect(reqs.filter((r) => r.status === 200 && r.fault === undefined)).toHaveLength(ITEMS)
    // each item was answered successfully exactly once
    const okTexts = reqs.filter((r) => r.status === 200 && r.fault === undefined).map(userText)
    expect(new Set(okTexts).size).toBe(ITEMS)
  })

  it("requests that keep failing fail the stage past the error ratio; a re-run sends only those", async () => {
    const dir = tempDir()
    server.failMatching("实体：肝硬化", 100, { kind: "500" })
    const r = await Effect.runPromise(Effect.either(runStageOnce(KnowledgeGraph.generateQa, config({ maxAttempts: 2 }), { kg: kgInput() }, dir)))
    expect(r._tag).toBe("Left")
    if (r._tag === "Left") expect(r.left.message).toMatch(/3 of 10 QA requests failed.*肝硬化/)
    expect(server.chatRequests()).toHaveLength(7 + 3 * 2)
    server.clearRequests()
    // same dir = same checkpoint; the server has recovered
    await Effect.runPromise(Effect.either(runStageOnce(KnowledgeGraph.generateQa, config({ maxAttempts: 2 }), { kg: kgInput() }, dir)))
    const sent = server.chatRequests().map(userText)
    expect(sent.length).toBeGreaterThan(0)
    expect(sent.every((t) => t.includes("实体：肝硬化"))).toBe(true)
  })

  it("an interrupted run resumes without sending any finished request twice", async () => {
    const dir = tempDir()
    // the 6th request hangs (longer than the test waits): interrupt while it is in flight
    let seen = 0
    server.setHandler(async (req, seq) => {
      seen++
      if (seen === 6) await new Promise((r) => setTimeout(r, 5_000))
      const { defaultHandler } = await import("@zaoji/testing")
      return defaultHandler(req, seq)
    })
    const fiber = Effect.runFork(runStageOnce(KnowledgeGraph.generateQa, config({ concurrency: 1, timeoutMs: 10_000 }), { kg: kgInput() }, dir))
    while (server.chatRequests().length < 6) await new Promise((r) => setTimeout(r, 10))
    const exit = await Effect.runPromise(Fiber.interrupt(fiber))
    expect(Exit.isInterrupted(exit)).toBe(true)
    const first = server.chatRequests().map(userText)
    expect(first).toHaveLength(6)
    server.reset()
    const out = await Effect.runPromise(runStageOnce(KnowledgeGraph.generateQa, config({ concurrency: 1, timeoutMs: 10_000 }), { kg: kgInput() }, dir))
    const second = server.chatRequests().map(userText)
    // the five finished requests are not sent again; the interrupted one and the rest are
    expect(second).toHaveLength(ITEMS - 5)
    for (const t of first.slice(0, 5)) expect(second).not.toContain(t)
    expect(second).toContain(first[5])
    expect(out.value.usage!.resumedItems).toBe(5)
    expect(out.value.usage!.requests).toBe(ITEMS)
    expect(readQa(out.dir)).toBe(cleanQa)
  })

  it("never has more requests in flight than the configured concurrency", async () => {
    server.setHandler(async (req, seq) => {
      await new Promise((r) => setTimeout(r, 30))
      const { defaultHandler } = await import("@zaoji/testing")
      return defaultHandler(req, seq)
    })
    await Effect.runPromise(runStageOnce(KnowledgeGraph.generateQa, config({ concurrency: 2, timeoutMs: 5_000 }), { kg: kgInput() }, tempDir()))
    expect(server.chatRequests()).toHaveLength(ITEMS)
    expect(server.maxInFlight()).toBeLessThanOrEqual(2)
    expect(server.maxInFlight()).toBeGreaterThan(1)
  })

  describe("privacy guard for record-derived (sensitive) input", () => {
    // the guard takes 0.0.0.0 for what it is, not loopback; Linux still connects it to the local
    // server, so it stands in for a remote endpoint without leaving the machine
    const remoteLike = () => `http://0.0.0.0:${server.port}/v1`

    it("refuses a non-loopback endpoint that the workflow does not allow, sending nothing", async () => {
      const r = await Effect.runPromise(Effect.either(runStageOnce(KnowledgeGraph.generateQa, config({}, remoteLike()), { kg: kgInput(true) }, tempDir())))
      expect(r._tag).toBe("Left")
      if (r._tag === "Left") expect(r.left.message).toMatch(/refusing to send record-derived/)
      expect(server.chatRequests()).toHaveLength(0)
    })

    it("sends to it when the workflow allows that endpoint, and marks the output sensitive", async () => {
      const out = await Effect.runPromise(
        runStageOnce(KnowledgeGraph.generateQa, config({}, remoteLike()), { kg: kgInput(true) }, tempDir(), { allowedEndpoints: [remoteLike()] })
      )
      expect(server.chatRequests()).toHaveLength(ITEMS)
      expect(out.value.sensitive).toBe(true)
      expect(JSON.parse(readQa(out.dir).split("\n")[0]!).sensitive).toBe(true)
    })

    it("non-sensitive input may go anywhere", async () => {
      await Effect.runPromise(runStageOnce(KnowledgeGraph.generateQa, config({}, remoteLike()), { kg: kgInput(false) }, tempDir()))
      expect(server.chatRequests()).toHaveLength(ITEMS)
    })
  })
})

describe("work items", () => {
  it("work items change id when the prompt changes", () => {
    const e = [Schema.decodeUnknownSync(KgEntry)({ name: "x", symptoms: ["a"] })]
    const a = llmWorkItems(e, "m", { relations: ["symptoms"] })
    const b = llmWorkItems(e, "m", { relations: ["symptoms"], prompts: { user: "实体：{entity} {facts}" } })
    expect(a[0]!.id).not.toBe(b[0]!.id)
  })
})
