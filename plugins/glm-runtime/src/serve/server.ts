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
import { InputError, isLoopbackHost } from "@zaoji/core"
import { HttpError, hostHeaderAllowed, json, route, startHttpServer, type Request } from "@zaoji/http"
import { Effect, type Scope } from "effect"
import type { ChatEngine, ChatRequest } from "../chat/engine.js"
import { ChatInputError } from "../chat/prompt.js"
import { ChatCompletionRequest, chunkBody, completionBody, errorBody, toChatMessages, usageOf } from "./protocol.js"

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

/** The Host rule of every loopback server of the project (it lives in @zaoji/http). */
export { hostHeaderAllowed }

export interface RunningServer {
  /** e.g. http://127.0.0.1:8000 */
  readonly url: string
  readonly host: string
  readonly port: number
  readonly close: () => Promise<void>
}

export const startServer = async (options: ServerOptions): Promise<RunningServer> => {
  const { engine, apiKey } = options
  const host = options.host ?? "127.0.0.1"
  const refusal = bindRefusal(host, apiKey)
  if (refusal !== undefined) throw new ServerOptionsError(refusal)
  const created = Math.floor(Date.now() / 1000)
  const modelObject = { id: engine.modelId, object: "model", created, owned_by: "zaoji" }
  return startHttpServer({
    host,
    port: options.port ?? 8000,
    // the API key guards a non-loopback bind; behind it, names are the operator's business
    allowRemote: true,
    maxBodyBytes: options.maxBodyBytes,
    shutdownGraceMs: options.shutdownGraceMs ?? 5000,
    log: options.log,
    before: (request) => {
      if (apiKey !== undefined && request.path.startsWith("/v1/") && !keyMatches(request.headers.authorization, apiKey))
        throw new HttpError({ status: 401, message: "missing or wrong API key: send Authorization: Bearer <key>", code: "invalid_api_key" })
    },
    routes: [
      route("GET", "/health", () => json({ status: "ok", model: engine.modelId })),
      route("GET", "/v1/models", () => json({ object: "list", data: [modelObject] })),
      route("GET", "/v1/models/*id", (request) => {
        const id = request.params.id!
        if (id !== engine.modelId)
          throw new HttpError({ status: 404, message: `model ${JSON.stringify(id)} does not exist; this server serves "${engine.modelId}"`, code: "model_not_found" })
        return json(modelObject)
      }),
      route("POST", "/v1/chat/completions", (request) => chat(engine, request))
    ],
    errorBody: (e) => errorBody(e.message, e.status >= 500 ? "server_error" : "invalid_request_error", e.code ?? null, e.param ?? null),
    mapError: (e) =>
      e instanceof ChatInputError ? new HttpError({ status: 400, message: e.message, code: "invalid_messages", param: "messages" }) : undefined
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

// internal

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

/** `POST /v1/chat/completions`: one JSON completion, or SSE chunks ending with `data: [DONE]` */
const chat = async (engine: ChatEngine, request: Request) => {
  const body = await request.decode(ChatCompletionRequest)
  if (body.model !== engine.modelId)
    throw new HttpError({ status: 404, message: `model "${body.model}" does not exist; this server serves "${engine.modelId}"`, code: "model_not_found", param: "model" })
  const id = `chatcmpl-${randomBytes(12).toString("hex")}`
  const now = Math.floor(Date.now() / 1000)
  // the request's signal aborts when the client goes away: the generation stops and frees the model
  const it = engine.chat(toEngineRequest(body, request.signal))
  if (body.stream !== true) {
    let r = await it.next()
    while (!r.done) r = await it.next()
    return json(completionBody(id, now, engine.modelId, r.value))
  }
  // the first step may fail on a bad prompt: fail with a JSON error before any SSE header
  let r = await it.next()
  const res = request.response
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive" })
  const send = (obj: unknown): void => void res.write(`data: ${JSON.stringify(obj)}\n\n`)
  try {
    send(chunkBody(id, now, engine.modelId, { role: "assistant", content: "" }, null))
    while (!r.done) {
      send(chunkBody(id, now, engine.modelId, { content: r.value }, null))
      r = await it.next()
    }
    send(chunkBody(id, now, engine.modelId, {}, r.value.finishReason))
    if (body.stream_options?.include_usage === true) send({ id, object: "chat.completion.chunk", created: now, model: engine.modelId, choices: [], usage: usageOf(r.value) })
    res.end("data: [DONE]\n\n")
  } catch (e) {
    // mid-stream failure: report it in-band, then end the stream
    if (!res.writableEnded) res.end(`data: ${JSON.stringify(errorBody(String((e as Error)?.message ?? e), "server_error", null))}\n\n`)
  }
}
