/**
 * Routes: a method, a path pattern and a handler. Patterns are literal segments, `:name` (one
 * segment) and a last `*name` (the rest of the path, slashes included); captured parts are
 * percent-decoded, and a broken escape is the client's mistake (400 `invalid_path`).
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import type { Either, Schema } from "effect"
import { HttpError } from "./HttpError.js"
import type { Reply } from "./reply.js"

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE"

/** One request as a handler sees it. */
export interface Request {
  readonly method: string
  readonly url: URL
  /** the path without the query */
  readonly path: string
  /** the route's captured parts, percent-decoded */
  readonly params: Readonly<Record<string, string>>
  readonly headers: IncomingMessage["headers"]
  /** aborted when the client goes away or `close()` stops waiting for this request */
  readonly signal: AbortSignal
  /** the body as text, read once within the server's limit (413 past it) */
  readonly text: () => Promise<string>
  /** the body as JSON (400 when it is not); an empty body is `empty` when given */
  readonly json: (empty?: unknown) => Promise<unknown>
  /** the body decoded by a Schema: 400 `invalid_request` naming every bad field */
  readonly decode: <A, I>(schema: Schema.Schema<A, I, never>) => Promise<A>
  /** for replies written piece by piece (SSE) or never (a hang); the server's headers are already set */
  readonly response: ServerResponse
  readonly raw: IncomingMessage
}

/** A `Reply` to send, or nothing when the handler wrote to `request.response` itself. */
export type Handler = (request: Request) => Reply | void | Promise<Reply | void>

export interface Route {
  readonly method: Method
  readonly path: string
  readonly handle: Handler
}

export const route = (method: Method, path: string, handle: Handler): Route => ({ method, path, handle })

/** The routes whose pattern matches `path`, with their captured parts (still encoded). */
export const matchRoutes = (
  routes: ReadonlyArray<Route>,
  path: string
): ReadonlyArray<{ readonly route: Route; readonly params: Readonly<Record<string, string>> }> =>
  routes.flatMap((r) => {
    const params = matchPattern(r.path, path)
    return params === undefined ? [] : [{ route: r, params }]
  })

/** Percent-decode captured parts; a broken escape is a 400. */
export const decodeParams = (params: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(params).map(([k, v]) => [k, decodePart(k, v)]))

/** The decoded body, or a 400 listing the bad fields. */
export const decodedOrFail = <A>(decoded: Either.Either<A, string>): A => {
  if (decoded._tag === "Left") throw new HttpError({ status: 400, message: decoded.left, code: "invalid_request" })
  return decoded.right
}

// internal

const matchPattern = (pattern: string, path: string): Record<string, string> | undefined => {
  const want = pattern.split("/")
  const got = path.split("/")
  const params: Record<string, string> = {}
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!
    if (w.startsWith("*")) {
      const rest = got.slice(i).join("/")
      if (rest === "") return undefined
      params[w.slice(1)] = rest
      return params
    }
    const g = got[i]
    if (g === undefined) return undefined
    if (w.startsWith(":")) {
      if (g === "") return undefined
      params[w.slice(1)] = g
    } else if (w !== g) return undefined
  }
  return got.length === want.length ? params : undefined
}

const decodePart = (name: string, raw: string): string => {
  try {
    return decodeURIComponent(raw)
  } catch {
    throw new HttpError({ status: 400, message: `malformed percent-escape in ${name} ${JSON.stringify(raw)}`, code: "invalid_path" })
  }
}
