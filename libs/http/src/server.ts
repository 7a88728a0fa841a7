/**
 * `startHttpServer`: node:http with the rules every server of the project shares, written once.
 * In order, each request is
 *   1. refused with 421 when the server is bound to loopback and the Host header does not name it
 *      (DNS rebinding; see host.ts),
 *   2. refused with 503 once `close()` was called,
 *   3. passed to `before` (authentication, request logs),
 *   4. dispatched by path then method (404 / 405 with `Allow`),
 *   5. answered with the handler's `Reply`, or left to the handler when it wrote the response.
 * A thrown `HttpError` is answered with its status; other errors go through `mapError` (domain
 * errors such as a user's bad input) and otherwise become a logged 500. The body of every error
 * reply is the server's own (`errorBody`), so an OpenAI-compatible server answers in OpenAI's shape.
 * Binding anything but loopback needs `allowRemote`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { parseJson, readText, decodeBody } from "./body.js"
import { hostHeaderAllowed, isLoopbackHost } from "./host.js"
import { HttpError } from "./HttpError.js"
import { json, send } from "./reply.js"
import { decodedOrFail, decodeParams, matchRoutes, type Request, type Route } from "./route.js"

export interface HttpServerOptions {
  readonly routes: ReadonlyArray<Route>
  /** default 127.0.0.1 */
  readonly host?: string
  /** 0 (default) picks a free port */
  readonly port?: number
  /** a non-loopback `host` is refused unless this is set (the caller guards it, e.g. with a key) */
  readonly allowRemote?: boolean
  /** answer only Host headers naming this server (default: when bound to loopback) */
  readonly checkHost?: boolean
  /** largest accepted request body in bytes (default 1 MiB) */
  readonly maxBodyBytes?: number
  /** headers on every response, e.g. a Content-Security-Policy */
  readonly headers?: Readonly<Record<string, string>>
  /** runs after the Host check and before routing; throw an `HttpError` to refuse */
  readonly before?: (request: Request) => void | Promise<void>
  /** the JSON body of an error reply (default `{ error: message }`) */
  readonly errorBody?: (error: HttpError) => unknown
  /** turn a domain error into an `HttpError`; undefined leaves it a 500 */
  readonly mapError?: (error: unknown) => HttpError | undefined
  /** how long `close()` waits for running requests before aborting them (default 0) */
  readonly shutdownGraceMs?: number
  /** one line per answered request (method, path, status) and each internal error */
  readonly log?: (line: string) => void
}

export interface HttpServer {
  /** e.g. http://127.0.0.1:8000 (no trailing slash) */
  readonly url: string
  readonly host: string
  readonly port: number
  /**
   * Stop accepting; requests on open connections get 503; running ones may finish within the grace
   * period, then their `signal` aborts and their connections close. Resolves once all are closed.
   */
  readonly close: () => Promise<void>
}

/** A bind the options forbid (non-loopback without `allowRemote`). */
export class HttpServerOptionsError extends Error {
  override readonly name = "HttpServerOptionsError"
}

/** Listen; rejects with the listen error (e.g. EADDRINUSE) or an `HttpServerOptionsError`. */
export const startHttpServer = (options: HttpServerOptions): Promise<HttpServer> => {
  const host = options.host ?? "127.0.0.1"
  const loopback = isLoopbackHost(host)
  if (!loopback && options.allowRemote !== true)
    return Promise.reject(new HttpServerOptionsError(`refusing to listen on ${host}: only loopback addresses may be bound without a guard`))
  const state: State = { options, checkHost: options.checkHost ?? loopback, port: -1, closing: false, inflight: new Set() }
  const server = createServer((req, res) => handle(state, req, res))
  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject)
      state.port = (server.address() as AddressInfo).port
      let closed: Promise<void> | undefined
      resolve({
        url: `http://${host.includes(":") ? `[${host}]` : host}:${state.port}`,
        host,
        port: state.port,
        close: () => (closed ??= closeGracefully(state, server, options.shutdownGraceMs ?? 0))
      })
    })
  })
}

// internal

interface State {
  readonly options: HttpServerOptions
  readonly checkHost: boolean
  port: number
  closing: boolean
  /** abort controllers of the requests whose response is not closed yet */
  readonly inflight: Set<AbortController>
}

const handle = (state: State, req: IncomingMessage, res: ServerResponse): void => {
  const { options } = state
  const method = req.method ?? "GET"
  const path = (req.url ?? "/").split("?")[0]!
  const abort = new AbortController()
  state.inflight.add(abort)
  res.on("close", () => {
    state.inflight.delete(abort)
    // a client that goes away stops the work done for it
    if (!res.writableFinished) abort.abort()
  })
  res.on("finish", () => options.log?.(`${method} ${path} ${res.statusCode}`))
  for (const [k, v] of Object.entries(options.headers ?? {})) res.setHeader(k, v)
  const url = parseTarget(req.url)
  const request = makeRequest(state, req, res, method, path, url ?? new URL("http://localhost/"), abort.signal)
  ;(url === undefined ? Promise.reject(badTarget(req.url)) : dispatch(state, request)).then(
    (reply) => {
      if (reply !== undefined) send(res, reply)
    },
    (e: unknown) => answerError(state, res, e)
  )
}

const dispatch = async (state: State, request: Request) => {
  const { options } = state
  if (state.checkHost && !hostHeaderAllowed(request.headers.host, state.port))
    throw new HttpError({
      status: 421,
      message: `Host ${JSON.stringify(request.headers.host ?? "")} does not name this server; expected 127.0.0.1:${state.port} or localhost:${state.port}`,
      code: "wrong_host"
    })
  if (state.closing) throw new HttpError({ status: 503, message: "server is shutting down", code: "shutting_down" })
  await options.before?.(request)
  const matches = matchRoutes(options.routes, request.path)
  if (matches.length === 0) throw new HttpError({ status: 404, message: `no route ${request.method} ${request.path}`, code: "not_found" })
  const hit = matches.find((m) => m.route.method === request.method)
  if (hit === undefined)
    throw new HttpError({
      status: 405,
      message: `${request.method} not allowed on ${request.path}`,
      code: "method_not_allowed",
      headers: { allow: [...new Set(matches.map((m) => m.route.method))].join(", ") }
    })
  return hit.route.handle({ ...request, params: decodeParams(hit.params) })
}

/** the request target as a URL, or undefined when it is not one (e.g. an absolute-form `http://[x`) */
const parseTarget = (target: string | undefined): URL | undefined => {
  try {
    return new URL(target ?? "/", "http://localhost")
  } catch {
    return undefined
  }
}

const badTarget = (target: string | undefined): HttpError =>
  new HttpError({ status: 400, message: `malformed request target ${JSON.stringify(target ?? "")}`, code: "invalid_path" })

const makeRequest = (
  state: State,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  path: string,
  url: URL,
  signal: AbortSignal
): Request => {
  let body: Promise<string> | undefined
  const text = () => (body ??= readText(req, state.options.maxBodyBytes ?? 1 << 20))
  const parsed = async (empty?: unknown) => parseJson(await text(), empty)
  return {
    method,
    url,
    path,
    params: {},
    headers: req.headers,
    signal,
    text,
    json: parsed,
    decode: async (schema) => decodedOrFail(decodeBody(schema, await parsed())),
    response: res,
    raw: req
  }
}

const answerError = (state: State, res: ServerResponse, e: unknown): void => {
  const { options } = state
  if (res.headersSent) {
    // a reply already under way cannot change its status: cut it, so the client sees it incomplete
    options.log?.(`error after the reply started: ${(e as Error)?.message ?? String(e)}`)
    if (!res.writableEnded) res.destroy()
    return
  }
  let error = e instanceof HttpError ? e : options.mapError?.(e)
  if (error === undefined) {
    options.log?.(`internal error: ${(e as Error)?.stack ?? String(e)}`)
    error = new HttpError({ status: 500, message: `internal error: ${(e as Error)?.message ?? String(e)}` })
  }
  const body = options.errorBody?.(error) ?? { error: error.message }
  send(res, json(body, error.status, error.headers ?? {}))
}

const closeGracefully = (state: State, server: ReturnType<typeof createServer>, graceMs: number): Promise<void> =>
  new Promise<void>((done) => {
    state.closing = true
    server.close(() => done())
    server.closeIdleConnections()
    const started = Date.now()
    let aborted = false
    const tick = (): void => {
      server.closeIdleConnections()
      const waited = Date.now() - started
      if (!aborted && (state.inflight.size === 0 || waited >= graceMs)) {
        aborted = true
        for (const a of state.inflight) a.abort()
      }
      // after the abort, handlers get a moment (at most the grace, at most 1 s) to end their replies
      if (aborted && (state.inflight.size === 0 || waited >= graceMs + Math.min(graceMs, 1000))) {
        server.closeAllConnections()
        return
      }
      setTimeout(tick, 20)
    }
    tick()
  })
