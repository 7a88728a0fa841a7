/**
 * What a handler answers with when it answers in one piece. Handlers that stream (SSE) or must
 * not answer (a test server's hang) write to the response themselves and return nothing.
 */
import type { ServerResponse } from "node:http"

export interface Reply {
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

export const json = (value: unknown, status = 200, headers: Readonly<Record<string, string>> = {}): Reply => ({
  status,
  headers: { "content-type": "application/json; charset=utf-8", ...headers },
  body: JSON.stringify(value)
})

export const text = (body: string, contentType = "text/plain; charset=utf-8", status = 200, headers: Readonly<Record<string, string>> = {}): Reply => ({
  status,
  headers: { "content-type": contentType, ...headers },
  body
})

/** Write a reply with its length (headers set earlier on `res`, e.g. a CSP, are kept). */
export const send = (res: ServerResponse, reply: Reply): void => {
  res.writeHead(reply.status, { ...reply.headers, "content-length": Buffer.byteLength(reply.body) })
  res.end(reply.body)
}
