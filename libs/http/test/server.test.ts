/**
 * The kit against real HTTP requests on loopback: routing (404, 405 with Allow, decoded params),
 * the Host check, the body limit, JSON and Schema errors, error mapping, streaming and close.
 */
import { request } from "node:http"
import { afterEach, describe, expect, it } from "vitest"
import { Data, Schema } from "effect"
import { HttpError, HttpServerOptionsError, json, route, startHttpServer, text, type HttpServer, type HttpServerOptions } from "../src/index.js"

interface Raw {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly body: string
}

/** one request with exactly these headers (fetch will not send a Host of our choosing) */
const raw = (server: HttpServer, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Raw> =>
  new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port: server.port, method, path, headers: { host: `127.0.0.1:${server.port}`, ...headers }, setHost: false },
      (res) => {
        let t = ""
        res.setEncoding("utf8")
        res.on("data", (c: string) => (t += c))
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: t }))
      }
    )
    req.on("error", reject)
    req.end(body)
  })

class OutOfStock extends Data.TaggedError("OutOfStock")<{ readonly message: string }> {}

const servers: Array<HttpServer> = []
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
})
const start = async (options: Partial<HttpServerOptions> = {}): Promise<HttpServer> => {
  const s = await startHttpServer({ routes: [], ...options })
  servers.push(s)
  return s
}

describe("routing", () => {
  it("dispatches by path then method: 404 for no path, 405 with Allow for a wrong method; params are decoded", async () => {
    const log: Array<string> = []
    const s = await start({
      log: (l) => log.push(l),
      routes: [
        route("GET", "/items/:id", (r) => json({ id: r.params.id })),
        route("DELETE", "/items/:id", () => json({ deleted: true })),
        route("GET", "/files/*rest", (r) => json({ rest: r.params.rest }))
      ]
    })
    expect(JSON.parse((await raw(s, "GET", "/items/a%20b")).body)).toEqual({ id: "a b" })
    expect(JSON.parse((await raw(s, "GET", "/files/x/y%2Fz")).body)).toEqual({ rest: "x/y/z" })
    const missing = await raw(s, "GET", "/items")
    expect([missing.status, JSON.parse(missing.body)]).toEqual([404, { error: "no route GET /items" }])
    expect((await raw(s, "GET", "/files/")).status).toBe(404)
    const wrong = await raw(s, "POST", "/items/1")
    expect([wrong.status, wrong.headers.allow]).toEqual([405, "GET, DELETE"])
    const bad = await raw(s, "GET", "/items/%E0%A4%A")
    expect([bad.status, JSON.parse(bad.body).error]).toEqual([400, 'malformed percent-escape in id "%E0%A4%A"'])
    // a request target that is no URL at all is the client's mistake, not a crash
    const target = await raw(s, "GET", "http://[bad/items/1")
    expect([target.status, JSON.parse(target.body).error]).toEqual([400, 'malformed request target "http://[bad/items/1"'])
    expect((await raw(s, "GET", "/items/1")).status).toBe(200)
    expect(log).toContain("POST /items/1 405")
  })
})

describe("guards", () => {
  it("on loopback answers only a Host naming it (421 otherwise); checkHost: false takes any", async () => {
    const s = await start({ routes: [route("GET", "/", () => text("hi"))] })
    for (const host of [`127.0.0.1:${s.port}`, `localhost:${s.port}`, `[::1]:${s.port}`]) expect((await raw(s, "GET", "/", { host })).status).toBe(200)
    for (const host of [`evil.example:${s.port}`, `127.0.0.1:${s.port + 1}`, ""]) {
      const r = await raw(s, "GET", "/", { host })
      expect([host, r.status]).toEqual([host, 421])
      expect(JSON.parse(r.body).error).toMatch(/does not name this server/)
    }
    const open = await start({ checkHost: false, routes: [route("GET", "/", () => text("hi"))] })
    expect((await raw(open, "GET", "/", { host: `0.0.0.0:${open.port}` })).status).toBe(200)
  })

  it("refuses to bind beyond loopback unless told the caller guards it", async () => {
    await expect(startHttpServer({ routes: [], host: "0.0.0.0" })).rejects.toBeInstanceOf(HttpServerOptionsError)
  })

  it("runs `before` after the Host check and before routing", async () => {
    const s = await start({
      before: (r) => {
        if (r.headers.authorization !== "Bearer k") throw new HttpError({ status: 401, message: "no key", code: "invalid_api_key" })
      },
      routes: [route("GET", "/x", () => json({ ok: true }))]
    })
    expect((await raw(s, "GET", "/nowhere")).status).toBe(401)
    expect((await raw(s, "GET", "/x", { authorization: "Bearer k" })).status).toBe(200)
    expect((await raw(s, "GET", "/x", { host: "evil.example", authorization: "Bearer k" })).status).toBe(421)
  })
})

describe("bodies and errors", () => {
  const Order = Schema.Struct({ item: Schema.String, count: Schema.Int.pipe(Schema.positive()) })

  const shop = () =>
    start({
      maxBodyBytes: 64,
      headers: { "x-frame-options": "DENY" },
      errorBody: (e) => ({ error: { message: e.message, code: e.code ?? null } }),
      mapError: (e) => (e instanceof OutOfStock ? new HttpError({ status: 409, message: e.message, code: "out_of_stock", headers: { "retry-after": "3" } }) : undefined),
      routes: [
        route("POST", "/order", async (r) => {
          const order = await r.decode(Order)
          if (order.item === "tea") throw new OutOfStock({ message: "no tea left" })
          return json({ ordered: order.count }, 201)
        }),
        route("POST", "/note", async (r) => json({ note: await r.json({}) }))
      ]
    })

  it("decodes a JSON body, naming each bad field and what was expected there", async () => {
    const s = await shop()
    const ok = await raw(s, "POST", "/order", {}, JSON.stringify({ item: "cake", count: 2 }))
    expect([ok.status, JSON.parse(ok.body), ok.headers["x-frame-options"]]).toEqual([201, { ordered: 2 }, "DENY"])
    const notJson = await raw(s, "POST", "/order", {}, "{item")
    expect([notJson.status, JSON.parse(notJson.body).error.code]).toEqual([400, "invalid_json"])
    expect(JSON.parse(notJson.body).error.message).toMatch(/^request body is not valid JSON: /)
    const bad = JSON.parse((await raw(s, "POST", "/order", {}, JSON.stringify({ count: 1.5 }))).body).error
    expect(bad.code).toBe("invalid_request")
    expect(bad.message).toMatch(/item: is missing/)
    expect(bad.message).toMatch(/count: Expected an integer, actual 1\.5/)
    expect(JSON.parse((await raw(s, "POST", "/note", {}, "")).body)).toEqual({ note: {} })
  })

  it("answers a body over the limit with 413 and keeps serving", async () => {
    const s = await shop()
    const big = await raw(s, "POST", "/note", {}, JSON.stringify({ text: "x".repeat(1000) }))
    expect([big.status, JSON.parse(big.body).error.code]).toEqual([413, "body_too_large"])
    expect((await raw(s, "POST", "/note", {}, "{}")).status).toBe(200)
  })

  it("maps a domain error to its status and headers, and anything else to a logged 500", async () => {
    const log: Array<string> = []
    const s = await start({ log: (l) => log.push(l), routes: [route("GET", "/boom", () => Promise.reject(new Error("disk on fire")))] })
    const boom = await raw(s, "GET", "/boom")
    expect([boom.status, JSON.parse(boom.body)]).toEqual([500, { error: "internal error: disk on fire" }])
    expect(log.some((l) => l.startsWith("internal error: Error: disk on fire"))).toBe(true)
    const shopServer = await shop()
    const tea = await raw(shopServer, "POST", "/order", {}, JSON.stringify({ item: "tea", count: 1 }))
    expect([tea.status, tea.headers["retry-after"], JSON.parse(tea.body)]).toEqual([409, "3", { error: { message: "no tea left", code: "out_of_stock" } }])
  })
})

describe("streaming and close", () => {
  it("lets a handler write its own reply piece by piece", async () => {
    const s = await start({
      routes: [
        route("GET", "/events", (r) => {
          r.response.writeHead(200, { "content-type": "text/event-stream" })
          r.response.write("data: 1\n\n")
          r.response.end("data: [DONE]\n\n")
        })
      ]
    })
    const r = await raw(s, "GET", "/events")
    expect([r.status, r.headers["content-type"], r.body]).toEqual([200, "text/event-stream", "data: 1\n\ndata: [DONE]\n\n"])
  })

  it("close() lets a running request finish within the grace period", async () => {
    let release: () => void = () => {}
    let started: () => void = () => {}
    const running = new Promise<void>((r) => (started = r))
    const s = await startHttpServer({
      shutdownGraceMs: 10_000,
      routes: [
        route("GET", "/slow", async () => {
          started()
          await new Promise<void>((r) => (release = r))
          return json({ done: true })
        })
      ]
    })
    const reply = raw(s, "GET", "/slow")
    await running
    const closed = s.close()
    release()
    expect(JSON.parse((await reply).body)).toEqual({ done: true })
    await closed
  })

  it("close() aborts a request that never answers once the grace period is over", async () => {
    let signal: AbortSignal | undefined
    let started: () => void = () => {}
    const running = new Promise<void>((r) => (started = r))
    const s = await startHttpServer({
      shutdownGraceMs: 50,
      routes: [
        route("GET", "/hang", (r) => {
          signal = r.signal
          started()
        })
      ]
    })
    const reply = raw(s, "GET", "/hang").catch((e: Error) => e)
    await running
    await s.close()
    expect(signal?.aborted).toBe(true)
    expect(await reply).toBeInstanceOf(Error)
  })
})
