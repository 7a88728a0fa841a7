import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Duration, Effect, Fiber, Schema, TestClock, TestContext } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { makeTestStageContext } from "@zaoji/core"
import { type LlmServer, startLlmServer } from "@zaoji/testing"
import { LlmEndpoint, addUsage, costOf, makeLlmClient, makeRateLimiter, retryAfterMs } from "../src/index.js"

const KEY_ENV = "ZAOJI_TEST_LLM_CLIENT_KEY"
const KEY = "sk-local-client-secret-9876"

let server: LlmServer
beforeAll(async () => {
  server = await startLlmServer({ apiKey: KEY })
})
afterAll(() => server.close())
beforeEach(() => server.reset())

const ctx = (allowedEndpoints: ReadonlyArray<string> = []) => makeTestStageContext(mkdtempSync(join(tmpdir(), "zaoji-llm-")), { allowedEndpoints })
const endpoint = (over: Record<string, unknown> = {}) =>
  Schema.decodeUnknownSync(LlmEndpoint)({
    baseURL: server.baseURL,
    model: "local-model",
    apiKeyEnv: KEY_ENV,
    timeoutMs: 5_000,
    baseDelayMs: 5,
    maxDelayMs: 20,
    maxAttempts: 3,
    pricePer1kPrompt: 0.5,
    pricePer1kCompletion: 1.5,
    ...over
  })
const env = { [KEY_ENV]: KEY }
const ask = (text: string) => [{ role: "user" as const, content: text }]
const accept = (content: string) => content

describe("makeLlmClient against a local OpenAI-compatible server", () => {
  it("answers with the content, usage and attempts, sending the key as a bearer token", async () => {
    const client = await Effect.runPromise(makeLlmClient(endpoint(), { sensitive: false, ctx: ctx(), env }))
    const r = await Effect.runPromise(client.chat(ask("你好"), accept))
    expect(r.value).toBe("收到：你好")
    expect(r.attempts).toBe(1)
    expect(r.usage.promptTokens).toBeGreaterThan(0)
    expect(r.usage.completionTokens).toBeGreaterThan(0)
    expect(server.chatRequests()).toHaveLength(1)
    expect(server.chatRequests()[0]!.authorization).toBe(`Bearer ${KEY}`)
    expect(costOf(client.endpoint, r.usage)).toBeCloseTo((r.usage.promptTokens / 1000) * 0.5 + (r.usage.completionTokens / 1000) * 1.5, 12)
    expect(addUsage(r.usage, r.usage)).toEqual({ promptTokens: 2 * r.usage.promptTokens, completionTokens: 2 * r.usage.completionTokens })
  })

  it("retries 429 (honouring Retry-After), 500 and a malformed body, then answers", async () => {
    server.failNext(1, { kind: "429", retryAfterSeconds: 1 })
    server.failNext(1, { kind: "500" })
    server.failNext(1, { kind: "malformed-body" })
    const client = await Effect.runPromise(makeLlmClient(endpoint({ maxAttempts: 4 }), { sensitive: false, ctx: ctx(), env }))
    const r = await Effect.runPromise(client.chat(ask("再试"), accept))
    expect(r.value).toBe("收到：再试")
    expect(r.attempts).toBe(4)
    expect(server.chatRequests().map((q) => q.fault ?? q.status)).toEqual(["429", "500", "malformed-body", 200])
  })

  it("an answer the caller cannot use is retried, and gives up after maxAttempts with a transient error", async () => {
    const client = await Effect.runPromise(makeLlmClient(endpoint(), { sensitive: false, ctx: ctx(), env }))
    const r = await Effect.runPromise(Effect.either(client.chat(ask("x"), () => new Error("not JSON"))))
    expect(r._tag).toBe("Left")
    if (r._tag === "Left") expect([r.left._tag, r.left.message]).toEqual(["TransientError", "unusable LLM answer: not JSON"])
    expect(server.chatRequests()).toHaveLength(3)
  })

  it("a refused key is permanent: one request, no retries, and the key is not in the message", async () => {
    const client = await Effect.runPromise(makeLlmClient(endpoint(), { sensitive: false, ctx: ctx(), env: { [KEY_ENV]: "sk-wrong-key-000" } }))
    const r = await Effect.runPromise(Effect.either(client.chat(ask("x"), accept)))
    expect(r._tag).toBe("Left")
    if (r._tag === "Left") {
      expect(r.left._tag).toBe("PermanentError")
      expect(r.left.message).toBe("LLM endpoint refused the API key (401)")
    }
    expect(server.chatRequests()).toHaveLength(1)
  })

  describe("privacy guard", () => {
    // 0.0.0.0 is not loopback to the guard, but Linux connects it to the local server
    const remoteLike = () => `http://0.0.0.0:${server.port}/v1`

    it("refuses record-derived text for an endpoint that is neither loopback nor allowed, before any request", async () => {
      const r = await Effect.runPromise(Effect.either(makeLlmClient(endpoint({ baseURL: remoteLike() }), { sensitive: true, ctx: ctx(), env })))
      expect(r._tag).toBe("Left")
      if (r._tag === "Left") expect([r.left._tag, r.left.message, (r.left as { location?: string }).location]).toEqual([
        "InputError",
        `refusing to send record-derived (sensitive) text to http://0.0.0.0:${server.port}: it is not on loopback and the workflow does not list it as an allowed endpoint`,
        "llm.baseURL"
      ])
      expect(server.chatRequests()).toHaveLength(0)
    })

    it("sends it to an endpoint the workflow allows, and to loopback", async () => {
      const allowed = await Effect.runPromise(makeLlmClient(endpoint({ baseURL: remoteLike() }), { sensitive: true, ctx: ctx([remoteLike()]), env }))
      await Effect.runPromise(allowed.chat(ask("a"), accept))
      const loopback = await Effect.runPromise(makeLlmClient(endpoint(), { sensitive: true, ctx: ctx(), env }))
      await Effect.runPromise(loopback.chat(ask("b"), accept))
      expect(server.chatRequests()).toHaveLength(2)
    })

    it("a URL that is not one, and a missing key for a non-loopback endpoint, are input errors", async () => {
      const bad = await Effect.runPromise(Effect.either(makeLlmClient(endpoint({ baseURL: "not a url" }), { sensitive: false, ctx: ctx(), env })))
      expect(bad._tag === "Left" && bad.left.message).toBe('llm.baseURL: expected an http(s) URL, got "not a url"')
      const noKey = await Effect.runPromise(Effect.either(makeLlmClient(endpoint({ baseURL: remoteLike() }), { sensitive: false, ctx: ctx(), env: {} })))
      expect(noKey._tag === "Left" && noKey.left.message).toMatch(new RegExp(`environment variable ${KEY_ENV} is not set`))
      // a loopback server needs no key
      const local = await Effect.runPromise(Effect.either(makeLlmClient(endpoint(), { sensitive: false, ctx: ctx(), env: {} })))
      expect(local._tag).toBe("Right")
    })
  })
})

describe("retryAfterMs", () => {
  const headers = (h: Record<string, string>) => ({ get: (n: string) => h[n] ?? null })
  it("reads retry-after-ms, seconds and an HTTP date; undefined when absent", () => {
    expect(retryAfterMs(headers({ "retry-after-ms": "250" }))).toBe(250)
    expect(retryAfterMs(headers({ "retry-after": "3" }))).toBe(3_000)
    expect(retryAfterMs(headers({ "retry-after": "1.5" }))).toBe(1_500)
    expect(retryAfterMs(headers({ "retry-after": new Date(0).toUTCString() }))).toBe(0)
    expect(retryAfterMs(headers({ "retry-after": "soon" }))).toBeUndefined()
    expect(retryAfterMs(headers({}))).toBeUndefined()
    expect(retryAfterMs(undefined)).toBeUndefined()
  })
})

describe("makeRateLimiter", () => {
  it("spaces request starts evenly", async () => {
    const program = Effect.gen(function* () {
      const limiter = makeRateLimiter(60) // one a second
      const started: Array<number> = []
      const fiber = yield* Effect.fork(
        Effect.forEach([1, 2, 3], () => Effect.zipRight(limiter, Effect.flatMap(Effect.clockWith((c) => c.currentTimeMillis), (t) => Effect.sync(() => started.push(t)))), { concurrency: 3 })
      )
      yield* TestClock.adjust(Duration.seconds(5))
      yield* Fiber.join(fiber)
      return started.sort((a, b) => a - b)
    })
    expect(await Effect.runPromise(program.pipe(Effect.provide(TestContext.TestContext)))).toEqual([0, 1000, 2000])
  })
})
