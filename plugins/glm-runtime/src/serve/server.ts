/**
 * An OpenAI-compatible HTTP server over a `ChatEngine`: `GET /v1/models`, `GET /v1/models/{id}`,
 * `POST /v1/chat/completions` (JSON, or SSE chunks ending with `data: [DONE]` when `stream`).
 * Binds to 127.0.0.1 unless told otherwise; any other address needs an API key. On loopback every
 * request must name this server in its Host header (a page whose DNS name was rebound to 127.0.0.1
 * is refused with 421). With an API key every /v1 route needs `Authorization: Bearer <key>` (401
 * otherwise). Bad requests get a 400 JSON error naming the field; a request for a model other than
 * the one served gets 404 `model_not_found`, as OpenAI answers it.
 * `close()` stops accepting, lets running requests finish for a grace period, then aborts them.
 */
import { randomBytes, timingSafeEqual } from "node:crypto"
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"
import { InputError, isLoopbackHost } from "@zaoji/core"
import { Effect, Either, type Scope } from "effect"
import type { ChatEngine, ChatRequest } from "../chat/engine.js"
import { ChatInputError } from "../chat/prompt.js"
import { chunkBody, completionBody, decodeChatRequest, errorBody, toChatMessages, usageOf, type ChatCompletionRequest } from "./protocol.js"

export interface ServerOptions {
  readonly engine: ChatEngine
  /** default 127.0.0.1 */
  readonly host?: string
  /** default 8000; 0 picks a free port */
  readonly port?: number
  /** when set, requests must carry `Authorization: Bearer <apiKey>` */
  readonly apiKey?: string
  /** how long `close()` waits for running requests before aborting them (default 5000 ms) */
  readonly shutdownGraceMs?: number
  /** request log (method, path, status); never receives the API key */
  readonly log?: (line: string) => void
  /** largest accepted request body (default 1 MiB) */
  readonly maxBodyBytes?: number
}

/**
 * Why binding to `host` is refused, or undefined when it is fine: without an API key only loopback
 * may be bound, since anyone who reaches the port could otherwise read the model's completions.
 */
export const bindRefusal = (host: string, apiKey: string | undefined): string | undefined =>
  isLoopbackHost(host) || (apiKey !== undefined && apiKey !== "")
    ? undefined
    : `refusing to listen on ${host} without an API key: every machine that reaches it could use the model. ` +
      "Give --api-key KEY (or ZAOJI_API_KEY), or bind to 127.0.0.1"

/** A start-up the options forbid (see `bindRefusal`). */
export class ServerOptionsError extends Error {
  override readonly name = "ServerOptionsError"
}

/**
 * Whether a Host header names this loopback server: a loopback IP literal or `localhost`, with the
 * port it listens on. Anything else is a name a DNS server chose (rebinding), or no name at all.
 */
export const hostHeaderAllowed = (header: string | undefined, port: number): boolean => {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(header ?? "")
  if (m === null) return false
  return isLoopbackHost(m[1]!.toLowerCase()) && Number(m[2] ?? 80) === port
}

export interface RunningServer {
  /** e.g. http://127.0.0.1:8000 */
  readonly url: string
  readonly host: string
  readonly port: number
  readonly close: () => Promise<void>
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null,
    readonly param: string | null = null
  ) {
    super(message)
  }
}

const sendJson = (res: ServerResponse, status: number, body: unknown): void => {
  const text = JSON.stringify(body)
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) })
  res.end(text)
}

const readBody = (req: IncomingMessage, limit: number): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on("data", (c: Buffer) => {
      size += c.length
      if (size > limit) {
        reject(new HttpError(413, `request body larger than ${limit} bytes`, "invalid_request_error", "body_too_large"))
        req.resume()
        return
      }
      chunks.push(c)
    })
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

/** the `{id}` of `/v1/models/{id}`; a broken percent-escape is the client's mistake (400) */
const decodeModelId = (raw: string): string => {
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new HttpError(400, `malformed percent-escape in model id ${JSON.stringify(raw)}`, "invalid_request_error", "invalid_path")
  }
}

const keyMatches = (header: string | undefined, key: string): boolean => {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? "")
  if (m === null) return false
  const a = Buffer.from(m[1].trim())
  const b = Buffer.from(key)
  return a.length === b.length && timingSafeEqual(a, b)
}

const toEngineRequest = (r: ChatCompletionRequest, signal: AbortSignal): ChatRequest => ({
  messages: toChatMessages(r),
  maxTokens: r.max_completion_tokens ?? r.max_tokens ?? undefined,
  temperature: r.temperature ?? undefined,
  topP: r.top_p ?? undefined,
  topK: r.top_k ?? undefined,
  repetitionPenalty: r.repetition_penalty ?? undefined,
  seed: r.seed ?? undefined,
  stop: r.stop === undefined || r.stop === null ? undefined : typeof r.stop === "string" ? [r.stop] : r.stop,
  signal
})

export const startServer = (options: ServerOptions): Promise<RunningServer> => {
  const { engine } = options
  const host = options.host ?? "127.0.0.1"
  const refusal = bindRefusal(host, options.apiKey)
  if (refusal !== undefined) return Promise.reject(new ServerOptionsError(refusal))
  // behind a non-loopback bind the API key is the guard; names there are the operator's business
  const checkHost = isLoopbackHost(host)
  let boundPort = -1
  const limit = options.maxBodyBytes ?? 1 << 20
  const created = Math.floor(Date.now() / 1000)
  const inflight = new Set<AbortController>()
  const sockets = new Set<Socket>()
  let closing = false

  const modelObject = { id: engine.modelId, object: "model", created, owned_by: "zaoji" }

  const handleChat = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const raw = await readBody(req, limit)
    let json: unknown
    try {
      json = JSON.parse(raw)
    } catch (e) {
      throw new HttpError(400, `request body is not valid JSON: ${(e as Error).message}`, "invalid_request_error", "invalid_json")
    }
    const decoded = decodeChatRequest(json)
    if (Either.isLeft(decoded)) throw new HttpError(400, decoded.left, "invalid_request_error", "invalid_request")
    const body = decoded.right
    if (body.model !== engine.modelId)
      throw new HttpError(404, `model "${body.model}" does not exist; this server serves "${engine.modelId}"`, "invalid_request_error", "model_not_found", "model")
    const abort = new AbortController()
    inflight.add(abort)
    // a client that goes away stops the generation (and frees the model for the next request)
    res.on("close", () => {
      if (!res.writableFinished) abort.abort()
    })
    const id = `chatcmpl-${randomBytes(12).toString("hex")}`
    const now = Math.floor(Date.now() / 1000)
    try {
      const it = engine.chat(toEngineRequest(body, abort.signal))
      if (body.stream !== true) {
        let r = await it.next()
        while (!r.done) r = await it.next()
        sendJson(res, 200, completionBody(id, now, engine.modelId, r.value))
        return
      }
      // the first step may fail on a bad prompt: fail with a JSON error before any SSE header
      let r = await it.next()
      res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive" })
      const send = (obj: unknown): void => void res.write(`data: ${JSON.stringify(obj)}\n\n`)
      send(chunkBody(id, now, engine.modelId, { role: "assistant", content: "" }, null))
      while (!r.done) {
        send(chunkBody(id, now, engine.modelId, { content: r.value }, null))
        r = await it.next()
      }
      send(chunkBody(id, now, engine.modelId, {}, r.value.finishReason))
      if (body.stream_options?.include_usage === true) send({ id, object: "chat.completion.chunk", created: now, model: engine.modelId, choices: [], usage: usageOf(r.value) })
      res.end("data: [DONE]\n\n")
    } catch (e) {
      if (e instanceof ChatInputError) throw new HttpError(400, e.message, "invalid_request_error", "invalid_messages", "messages")
      throw e
    } finally {
      inflight.delete(abort)
    }
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]
    const done = (status: number): void => options.log?.(`${req.method} ${path} ${status}`)
    res.on("finish", () => done(res.statusCode))
    const route = async (): Promise<void> => {
      if (checkHost && !hostHeaderAllowed(req.headers.host, boundPort))
        throw new HttpError(421, `Host ${JSON.stringify(req.headers.host ?? "")} does not name this server; expected 127.0.0.1:${boundPort} or localhost:${boundPort}`, "invalid_request_error", "wrong_host")
      if (closing) throw new HttpError(503, "server is shutting down", "server_error", "shutting_down")
      if (path === "/health" && req.method === "GET") return sendJson(res, 200, { status: "ok", model: engine.modelId })
      if (!path.startsWith("/v1/")) throw new HttpError(404, `no route ${req.method} ${path}`, "invalid_request_error", "not_found")
      if (options.apiKey !== undefined && !keyMatches(req.headers.authorization, options.apiKey))
        throw new HttpError(401, "missing or wrong API key: send Authorization: Bearer <key>", "invalid_request_error", "invalid_api_key")
      if (path === "/v1/models") {
        if (req.method !== "GET") throw new HttpError(405, `${req.method} not allowed on ${path}`, "invalid_request_error", "method_not_allowed")
        return sendJson(res, 200, { object: "list", data: [modelObject] })
      }
      if (path.startsWith("/v1/models/")) {
        if (req.method !== "GET") throw new HttpError(405, `${req.method} not allowed on ${path}`, "invalid_request_error", "method_not_allowed")
        const id = decodeModelId(path.slice("/v1/models/".length))
        if (id !== engine.modelId)
          throw new HttpError(404, `model ${JSON.stringify(id)} does not exist; this server serves "${engine.modelId}"`, "invalid_request_error", "model_not_found")
        return sendJson(res, 200, modelObject)
      }
      if (path === "/v1/chat/completions") {
        if (req.method !== "POST") throw new HttpError(405, `${req.method} not allowed on ${path}`, "invalid_request_error", "method_not_allowed")
        return handleChat(req, res)
      }
      throw new HttpError(404, `no route ${req.method} ${path}`, "invalid_request_error", "not_found")
    }
    route().catch((e: unknown) => {
      if (res.headersSent) {
        // mid-stream failure: report it in-band, then end the stream
        if (!res.writableEnded) res.end(`data: ${JSON.stringify(errorBody(String((e as Error)?.message ?? e), "server_error", null))}\n\n`)
        return
      }
      if (e instanceof HttpError) return sendJson(res, e.status, errorBody(e.message, e.type, e.code, e.param))
      options.log?.(`internal error: ${(e as Error)?.stack ?? String(e)}`)
      sendJson(res, 500, errorBody(`internal error: ${(e as Error)?.message ?? String(e)}`, "server_error", null))
    })
  })
  server.on("connection", (s: Socket) => {
    sockets.add(s)
    s.on("close", () => sockets.delete(s))
  })

  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 8000, host, () => {
      server.off("error", reject)
      const port = (server.address() as AddressInfo).port
      boundPort = port
      const urlHost = host.includes(":") ? `[${host}]` : host
      let closed: Promise<void> | undefined
      resolve({
        url: `http://${urlHost}:${port}`,
        host,
        port,
        close: () =>
          (closed ??= new Promise<void>((done) => {
            closing = true
            server.close(() => done())
            server.closeIdleConnections()
            const grace = options.shutdownGraceMs ?? 5000
            const started = Date.now()
            const tick = setInterval(() => {
              server.closeIdleConnections()
              if (inflight.size === 0 || Date.now() - started > grace) {
                for (const a of inflight) a.abort()
                if (inflight.size === 0 || Date.now() - started > grace + 1000) {
                  clearInterval(tick)
                  for (const s of sockets) s.destroy()
                }
              }
            }, 20)
          }))
      })
    })
  })
}

/**
 * `startServer` as a scoped resource for Effect programs (the CLI): closed gracefully when the
 * scope ends (Ctrl-C included). A port that cannot be bound, or an address that must not be bound
 * without a key, is the user's `InputError`.
 */
export const serverResource = (options: ServerOptions): Effect.Effect<RunningServer, InputError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => startServer(options),
      catch: (e) => {
        if (e instanceof ServerOptionsError) return new InputError({ message: e.message, location: "--host" })
        const err = e as NodeJS.ErrnoException
        const where = `${options.host ?? "127.0.0.1"}:${options.port ?? 8000}`
        return new InputError({
          message:
            err.code === "EADDRINUSE"
              ? `cannot listen on ${where}: the port is already in use (choose another with --port)`
              : `cannot listen on ${where}: ${err.message}`,
          location: "--port"
        })
      }
    }),
    (server) => Effect.promise(() => server.close())
  )
