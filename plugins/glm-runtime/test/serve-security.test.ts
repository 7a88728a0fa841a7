/**
 * What the OpenAI-compatible server refuses: requests whose Host does not name it (DNS rebinding),
 * a non-loopback bind without an API key, and malformed input of any shape (400, never 500).
 */
import { request } from "node:http"
import fc from "fast-check"
import OpenAI from "openai"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect, Either } from "effect"
import { bindRefusal, hostHeaderAllowed, serverResource, ServerOptionsError, startServer, type ChatEngine, type GlmModel, type RunningServer } from "../src/index.js"
import { makeTinyChat } from "./serveFixtures.js"

interface RawResponse {
  readonly status: number
  readonly body: string
}

/** one HTTP/1.1 request with exactly these headers (fetch will not send a Host of our choosing) */
const raw = (server: RunningServer, method: string, path: string, headers: Record<string, string>, body?: string): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: server.port, method, path, headers, setHost: false }, (res) => {
      let text = ""
      res.setEncoding("utf8")
      res.on("data", (c: string) => (text += c))
      res.on("end", () => resolve({ status: res.statusCode!, body: text }))
    })
    req.on("error", reject)
    req.end(body)
  })

const errorCode = (r: RawResponse): string | null => (JSON.parse(r.body) as { error: { code: string | null } }).error.code

describe("server request hardening", () => {
  let engine: ChatEngine
  let model: GlmModel
  let server: RunningServer
  beforeAll(async () => {
    ;({ engine, model } = await makeTinyChat("glm2"))
    server = await startServer({ engine, port: 0 })
  })
  afterAll(async () => {
    await server?.close()
    model?.dispose()
  })
  const here = () => ({ host: `127.0.0.1:${server.port}` })

  it("answers only requests whose Host names it on loopback (421 for a rebound DNS name)", async () => {
    for (const host of [`127.0.0.1:${server.port}`, `localhost:${server.port}`, `LOCALHOST:${server.port}`, `[::1]:${server.port}`]) {
      expect((await raw(server, "GET", "/v1/models", { host })).status, host).toBe(200)
    }
    for (const host of [
      `evil.example:${server.port}`,
      `127.evil.example:${server.port}`,
      `app.localhost:${server.port}`,
      "127.0.0.1", // port 80: another server
      `127.0.0.1:${server.port + 1}`,
      `user@127.0.0.1:${server.port}`,
      ""
    ]) {
      const r = await raw(server, "GET", "/v1/models", { host })
      expect([host, r.status]).toEqual([host, 421])
      expect(errorCode(r)).toBe("wrong_host")
    }
    // the health check and the completions route too
    expect((await raw(server, "GET", "/health", { host: `evil.example:${server.port}` })).status).toBe(421)
    const chat = JSON.stringify({ model: engine.modelId, messages: [{ role: "user", content: "肝" }], max_tokens: 2 })
    const r = await raw(server, "POST", "/v1/chat/completions", { host: `evil.example:${server.port}`, "content-type": "application/json" }, chat)
    expect(r.status).toBe(421)
    expect(r.body).not.toContain("choices")
  })

  it("the OpenAI client, which names the server as it was given, is served", async () => {
    const client = new OpenAI({ baseURL: `http://localhost:${server.port}/v1`, apiKey: "unused", maxRetries: 0 })
    expect((await client.models.list()).data.map((m) => m.id)).toEqual([engine.modelId])
  })

  it("a malformed percent-escape in /v1/models/… is a 400, not a 500", async () => {
    for (const path of ["/v1/models/%E0%A4%A", "/v1/models/%", "/v1/models/a%zz"]) {
      const r = await raw(server, "GET", path, here())
      expect([path, r.status, errorCode(r)]).toEqual([path, 400, "invalid_path"])
    }
    const r = await raw(server, "GET", `/v1/models/${encodeURIComponent("no such/model")}`, here())
    expect([r.status, errorCode(r)]).toEqual([404, "model_not_found"])
    expect(JSON.parse(r.body).error.message).toContain(`serves "${engine.modelId}"`)
  })

  it("a request for another model is 404 model_not_found, as OpenAI answers it", async () => {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0 })
    const e = await client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "肝" }] }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(OpenAI.NotFoundError)
    expect(e).toMatchObject({ status: 404, code: "model_not_found", param: "model" })
    await expect(client.models.retrieve("gpt-4o")).rejects.toBeInstanceOf(OpenAI.NotFoundError)
  })

  it("answers any malformed body or path with a 4xx JSON error, never a 500", async () => {
    const base = { model: engine.modelId, messages: [{ role: "user", content: "肝" }], max_tokens: 1 }
    // a request close to a valid one with one field replaced by arbitrary JSON, or arbitrary JSON
    const field = fc.constantFrom("model", "messages", "stream", "stream_options", "max_tokens", "temperature", "top_p", "top_k", "repetition_penalty", "seed", "n", "stop")
    const body = fc.oneof(
      fc.tuple(field, fc.jsonValue({ maxDepth: 3 })).map(([k, v]) => JSON.stringify({ ...base, [k]: v })),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.string({ maxLength: 40 })
    )
    await fc.assert(
      fc.asyncProperty(body, async (text) => {
        const r = await raw(server, "POST", "/v1/chat/completions", { ...here(), "content-type": "application/json" }, text)
        expect(r.status).toBeLessThan(500)
        if (r.status !== 200) expect(errorCode(r)).not.toBeUndefined()
      }),
      { seed: 20261204, numRuns: 60, interruptAfterTimeLimit: 20_000 }
    )
    const path = fc.string({ maxLength: 20 }).map((s) => `/v1/models/${s.replace(/[^\x21-\x7e]/g, "%")}`)
    await fc.assert(
      fc.asyncProperty(path, fc.constantFrom("GET", "POST", "DELETE"), async (p, method) => {
        const r = await raw(server, method, p, here())
        expect([400, 404, 405]).toContain(r.status)
      }),
      { seed: 7, numRuns: 100, interruptAfterTimeLimit: 10_000 }
    )
  })
})

describe("binding beyond loopback", () => {
  it("needs an API key: refused without one, before anything listens", async () => {
    expect(bindRefusal("0.0.0.0", undefined)).toMatch(/refusing to listen on 0\.0\.0\.0 without an API key.*--api-key/)
    expect(bindRefusal("::", "")).toMatch(/without an API key/)
    expect(bindRefusal("127.0.0.1", undefined)).toBeUndefined()
    expect(bindRefusal("localhost", undefined)).toBeUndefined()
    expect(bindRefusal("0.0.0.0", "k")).toBeUndefined()
    const { engine, model } = await makeTinyChat("glm1")
    try {
      await expect(startServer({ engine, host: "0.0.0.0", port: 0 })).rejects.toBeInstanceOf(ServerOptionsError)
      const scoped = await Effect.runPromise(Effect.either(Effect.scoped(serverResource({ engine, host: "0.0.0.0", port: 0 }))))
      expect(Either.isLeft(scoped) && [scoped.left._tag, scoped.left.location]).toEqual(["InputError", "--host"])
      // with a key it binds, takes any Host (the key guards it) and still wants the key
      const server = await startServer({ engine, host: "0.0.0.0", port: 0, apiKey: "k-123" })
      try {
        const r = await raw(server, "GET", "/v1/models", { host: `gpu-box.lan:${server.port}`, authorization: "Bearer k-123" })
        expect(r.status).toBe(200)
        expect((await raw(server, "GET", "/v1/models", { host: `gpu-box.lan:${server.port}` })).status).toBe(401)
      } finally {
        await server.close()
      }
    } finally {
      model.dispose()
    }
  })

  it("host header rule, on its own", () => {
    expect(hostHeaderAllowed("127.0.0.1:8000", 8000)).toBe(true)
    expect(hostHeaderAllowed("127.0.0.2:8000", 8000)).toBe(true)
    expect(hostHeaderAllowed("localhost", 80)).toBe(true)
    expect(hostHeaderAllowed("[::1]:8000", 8000)).toBe(true)
    expect(hostHeaderAllowed("[::ffff:127.0.0.1]:8000", 8000)).toBe(true)
    expect(hostHeaderAllowed(undefined, 8000)).toBe(false)
    expect(hostHeaderAllowed("localhost:8000/x", 8000)).toBe(false)
    expect(hostHeaderAllowed("localhost.:8000", 8000)).toBe(false)
    expect(hostHeaderAllowed("127.0.0.1:08000", 8000)).toBe(true)
    expect(hostHeaderAllowed("127.0.0.1:", 8000)).toBe(false)
  })
})
