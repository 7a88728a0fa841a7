import * as tf from "@tensorflow/tfjs"
import OpenAI from "openai"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect, Either } from "effect"
import { buildGenerationInput, completeChat, serverResource, startServer, type ChatEngine, type GlmModel, type RunningServer } from "../src/index.js"
import { makeTinyChat } from "./serveFixtures.js"

const API_KEY = "test-key-123"

describe("OpenAI-compatible server with the real openai client", () => {
  let engine: ChatEngine
  let model: GlmModel
  let server: RunningServer
  let client: OpenAI
  const log: string[] = []

  beforeAll(async () => {
    ;({ engine, model } = await makeTinyChat("glm2"))
    server = await startServer({ engine, port: 0, apiKey: API_KEY, log: (l) => log.push(l) })
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: API_KEY, maxRetries: 0 })
  })
  afterAll(async () => {
    await server?.close()
    model?.dispose()
  })

  const messages = [
    { role: "user" as const, content: "肝硬化怎么办？" },
    { role: "assistant" as const, content: "定期复查。" },
    { role: "user" as const, content: "B超" }
  ]

  it("binds to 127.0.0.1 and lists the model", async () => {
    expect(server.host).toBe("127.0.0.1")
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const list = await client.models.list()
    expect(list.data.map((m) => m.id)).toEqual(["zaoji-micro-glm2"])
    expect((await client.models.retrieve("zaoji-micro-glm2")).id).toBe("zaoji-micro-glm2")
  })

  it("answers a chat completion with usage counts, deterministically under greedy decoding", async () => {
    const before = tf.memory().numTensors
    const r = await client.chat.completions.create({ model: engine.modelId, messages, max_tokens: 12, temperature: 0 })
    const again = await client.chat.completions.create({ model: engine.modelId, messages, max_tokens: 12, temperature: 0 })
    expect(tf.memory().numTensors).toBe(before)
    const promptIds = buildGenerationInput(engine.tokenizer, messages).ids
    expect(r.usage?.prompt_tokens).toBe(promptIds.length)
    expect(r.usage?.completion_tokens).toBeGreaterThan(0)
    expect(r.usage?.completion_tokens).toBeLessThanOrEqual(12)
    expect(r.usage?.total_tokens).toBe(r.usage!.prompt_tokens + r.usage!.completion_tokens)
    expect(r.choices[0].message.role).toBe("assistant")
    expect(["stop", "length"]).toContain(r.choices[0].finish_reason)
    // the micro model's context (64) caps the reply too
    const room = Math.min(12, engine.maxContext - promptIds.length)
    expect(r.choices[0].finish_reason === "length").toBe(r.usage?.completion_tokens === room)
    expect(again.choices[0].message.content).toBe(r.choices[0].message.content)
    // the server adds nothing of its own: same as calling the engine directly
    const direct = await completeChat(engine, { messages, maxTokens: 12, temperature: 0 })
    expect(r.choices[0].message.content).toBe(direct.text)
    expect(r.model).toBe(engine.modelId)
  })

  it("streams SSE chunks whose deltas add up to the non-streamed reply", async () => {
    const full = await client.chat.completions.create({ model: engine.modelId, messages, max_tokens: 16 })
    const stream = await client.chat.completions.create({ model: engine.modelId, messages, max_tokens: 16, stream: true, stream_options: { include_usage: true } })
    let text = ""
    const ids = new Set<string>()
    const finishes: Array<string | null> = []
    let usage: OpenAI.CompletionUsage | undefined | null
    for await (const chunk of stream) {
      ids.add(chunk.id)
      if (chunk.usage) usage = chunk.usage
      for (const c of chunk.choices) {
        text += c.delta.content ?? ""
        finishes.push(c.finish_reason)
      }
    }
    expect(text).toBe(full.choices[0].message.content)
    expect(ids.size).toBe(1)
    expect(finishes[finishes.length - 1]).toBe(full.choices[0].finish_reason)
    expect(usage).toEqual(full.usage)
  })

  it("ends a raw SSE stream with data: [DONE]", async () => {
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ model: engine.modelId, messages, max_tokens: 4, stream: true })
    })
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/)
    const body = await res.text()
    const events = body.split("\n\n").filter((e) => e !== "")
    expect(events.every((e) => e.startsWith("data: "))).toBe(true)
    expect(events[events.length - 1]).toBe("data: [DONE]")
    expect(JSON.parse(events[0].slice(6)).choices[0].delta).toEqual({ role: "assistant", content: "" })
  })

  it("samples reproducibly with a seed", async () => {
    const ask = (seed: number) =>
      client.chat.completions.create({ model: engine.modelId, messages, max_tokens: 12, temperature: 1.5, seed })
    const [a, b] = [await ask(11), await ask(11)]
    expect(a.choices[0].message.content).toBe(b.choices[0].message.content)
  })

  it("cuts the reply before a stop string", async () => {
    // find a prompt whose greedy reply has a visible character after its first one
    let found: { msgs: Array<{ role: "user"; content: string }>; full: string; stop: string } | undefined
    for (const q of ["肝", "胆囊", "hepatitis", "B超", "治疗", "cirrhosis ALT"]) {
      const msgs = [{ role: "user" as const, content: q }]
      const full = (await client.chat.completions.create({ model: engine.modelId, messages: msgs, max_tokens: 16 })).choices[0].message.content!
      const stop = Array.from(full).find((c, i) => i > 0 && c.trim() !== "" && c !== "\ufffd")
      if (stop !== undefined) {
        found = { msgs, full, stop }
        break
      }
    }
    expect(found).toBeDefined()
    const { msgs, full, stop } = found!
    const cut = await client.chat.completions.create({ model: engine.modelId, messages: msgs, max_tokens: 16, stop: [stop] })
    expect(cut.choices[0].message.content).toBe(full.slice(0, full.indexOf(stop)).trim())
    expect(cut.choices[0].finish_reason).toBe("stop")
    let streamed = ""
    for await (const c of await client.chat.completions.create({ model: engine.modelId, messages: msgs, max_tokens: 16, stop, stream: true }))
      streamed += c.choices[0]?.delta.content ?? ""
    expect(streamed).toBe(cut.choices[0].message.content)
  })

  it("queues concurrent requests on the one model and answers each as if alone", async () => {
    const ask = (content: string) => client.chat.completions.create({ model: engine.modelId, messages: [{ role: "user", content }], max_tokens: 8 })
    const together = await Promise.all([ask("肝"), ask("胆囊"), ask("hepatitis")])
    const alone = [await ask("肝"), await ask("胆囊"), await ask("hepatitis")]
    expect(together.map((r) => r.choices[0].message.content)).toEqual(alone.map((r) => r.choices[0].message.content))
  })

  it("stops generating when the request is aborted", async () => {
    const messages = [{ role: "user" as const, content: "肝" }]
    const full = await completeChat(engine, { messages, maxTokens: 40 })
    expect(full.completionTokens).toBe(40) // the reply runs to the limit when nothing stops it
    const abort = new AbortController()
    const it = engine.chat({ messages, maxTokens: 40, signal: abort.signal })
    let deltas = 0
    let r = await it.next()
    while (!r.done) {
      if (++deltas === 2) abort.abort()
      r = await it.next()
    }
    expect(deltas).toBeGreaterThanOrEqual(2)
    expect(r.value.completionTokens).toBeLessThan(full.completionTokens)
  })

  it("frees the model when a streaming client goes away", async () => {
    const before = tf.memory().numTensors
    const stream = await client.chat.completions.create({ model: engine.modelId, messages: [{ role: "user", content: "肝" }], max_tokens: 40, stream: true })
    let chunks = 0
    for await (const _ of stream) if (++chunks === 2) break
    // the next request is served (the model's lock was released) and no tensor is left behind
    const r = await client.chat.completions.create({ model: engine.modelId, messages: [{ role: "user", content: "肝" }], max_tokens: 4 })
    expect(r.choices).toHaveLength(1)
    expect(tf.memory().numTensors).toBe(before)
  })

  it("rejects a missing or wrong API key with a 401 JSON error", async () => {
    const bad = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "wrong", maxRetries: 0 })
    await expect(bad.models.list()).rejects.toMatchObject({ status: 401 })
    const res = await fetch(`${server.url}/v1/models`)
    expect(res.status).toBe(401)
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid_api_key")
    expect(log.join("\n")).not.toContain(API_KEY)
  })

  it("rejects bad requests with a 400 JSON error naming the field", async () => {
    await expect(client.chat.completions.create({ model: engine.modelId, messages, temperature: 5 })).rejects.toMatchObject({
      status: 400,
      message: expect.stringMatching(/temperature/)
    })
    await expect(
      client.chat.completions.create({ model: engine.modelId, messages: [{ role: "assistant", content: "hi" }] })
    ).rejects.toMatchObject({ status: 400, message: expect.stringMatching(/messages/) })
    await expect(client.chat.completions.create({ model: "gpt-4", messages })).rejects.toMatchObject({ status: 404 })
    const res = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}` },
      body: "{ not json"
    })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/not valid JSON/)
    const long = await client.chat.completions
      .create({ model: engine.modelId, messages: [{ role: "user", content: "肝".repeat(200) }] })
      .catch((e: unknown) => e)
    expect(long).toMatchObject({ status: 400, message: expect.stringMatching(/context is 64/) })
  })
})

describe("server shutdown", () => {
  it("lets a running stream finish, then refuses new connections", async () => {
    const { engine, model } = await makeTinyChat("glm1")
    const before = tf.memory().numTensors
    const server = await startServer({ engine, port: 0, shutdownGraceMs: 10_000 })
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "none", maxRetries: 0 })
    const stream = await client.chat.completions.create({
      model: engine.modelId,
      messages: [{ role: "user", content: "肝硬化" }],
      max_tokens: 20,
      stream: true
    })
    const closing = server.close()
    let text = ""
    let finish: string | null = null
    for await (const c of stream) {
      text += c.choices[0]?.delta.content ?? ""
      finish = c.choices[0]?.finish_reason ?? finish
    }
    await closing
    expect(finish).not.toBeNull()
    const direct = await completeChat(engine, { messages: [{ role: "user", content: "肝硬化" }], maxTokens: 20 })
    expect(text).toBe(direct.text)
    await expect(fetch(`${server.url}/health`)).rejects.toThrow()
    expect(tf.memory().numTensors).toBe(before)
    model.dispose()
  })
})

describe("server as a scoped resource", () => {
  it("closes with its scope and reports a taken port as an input error", async () => {
    const { engine, model } = await makeTinyChat("glm2")
    const url = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const s = yield* serverResource({ engine, port: 0 })
          const res = yield* Effect.promise(() => fetch(`${s.url}/health`))
          expect(res.status).toBe(200)
          const clash = yield* Effect.either(Effect.scoped(serverResource({ engine, port: s.port })))
          expect(Either.isLeft(clash) && clash.left.message).toMatch(/port is already in use/)
          return s.url
        })
      )
    )
    await expect(fetch(`${url}/health`)).rejects.toThrow()
    model.dispose()
  })
})
