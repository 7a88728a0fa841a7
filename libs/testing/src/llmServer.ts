/**
 * A real OpenAI-compatible chat-completions server on 127.0.0.1 for tests: answers through a
 * scriptable handler and can be told to fail the next requests (429 with Retry-After, 500, a hang
 * past the client's timeout, a malformed body or malformed JSON content). It records every request,
 * so a test can prove that nothing was sent twice. Control is in-process (the returned object) or
 * over HTTP (`/__control/*`) when it runs as a child process (llmServerMain.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo, Socket } from "node:net"

export interface ChatMessage {
  readonly role: string
  readonly content: string
}

export interface ChatRequest {
  readonly model: string
  readonly messages: ReadonlyArray<ChatMessage>
  readonly temperature?: number
  readonly max_tokens?: number
  readonly response_format?: unknown
  readonly stream?: boolean
  readonly [k: string]: unknown
}

/** what a handler returns: the assistant text, optionally with explicit usage */
export type HandlerResult = string | { readonly content: string; readonly promptTokens?: number; readonly completionTokens?: number }
export type ChatHandler = (request: ChatRequest, seq: number) => HandlerResult | Promise<HandlerResult>

export type Fault =
  | { readonly kind: "429"; readonly retryAfterSeconds?: number }
  | { readonly kind: "500" }
  | { readonly kind: "hang" }
  /** HTTP 200 whose body is not JSON */
  | { readonly kind: "malformed-body" }
  /** a well-formed completion whose message content is not the JSON the caller asked for */
  | { readonly kind: "malformed-content" }

export interface RecordedRequest {
  /** 1-based arrival order */
  readonly seq: number
  readonly method: string
  readonly path: string
  readonly body: unknown
  readonly authorization: string | undefined
  /** status sent back, or "hang" */
  status: number | "hang"
  readonly fault: Fault["kind"] | undefined
}

export interface LlmServer {
  /** base URL for the openai client, ending in /v1 */
  readonly baseURL: string
  readonly port: number
  /** every request received, in order (control requests excluded) */
  readonly requests: ReadonlyArray<RecordedRequest>
  /** the most chat requests that were being handled at the same time */
  readonly maxInFlight: () => number
  /** chat-completion requests only */
  readonly chatRequests: () => ReadonlyArray<RecordedRequest>
  setHandler(handler: ChatHandler): void
  /** make the next `count` chat requests fail with `fault` (queued after faults already pending) */
  failNext(count: number, fault: Fault): void
  /** fail every chat request whose last user message contains `needle`, `count` times */
  failMatching(needle: string, count: number, fault: Fault): void
  clearRequests(): void
  /** drop pending faults, forget requests, restore the initial handler */
  reset(): void
  close(): Promise<void>
}

export interface LlmServerOptions {
  /** 0 (default) = a free port */
  readonly port?: number
  readonly handler?: ChatHandler
  /** require this bearer key (401 otherwise) */
  readonly apiKey?: string
}

/** rough token count: CJK characters count one each, other text one per 4 characters */
export const approxTokens = (text: string): number => {
  const cjk = (text.match(/[\u3000-\u9fff\uff00-\uffef]/g) ?? []).length
  return cjk + Math.ceil((text.length - cjk) / 4)
}

const lastUser = (req: ChatRequest): string => [...req.messages].reverse().find((m) => m.role === "user")?.content ?? ""

/**
 * The default handler understands the prompt convention of the KG QA generator (lines
 * `实体：…`, `关系：…`, `事实：…`, asking for JSON `{"pairs":[…]}`) and otherwise echoes the last
 * user message, so a child-process server is useful without any script.
 */
export const defaultHandler: ChatHandler = (req) => {
  const text = lastUser(req)
  const field = (label: string) => new RegExp(`^${label}[：:]\\s*(.+)$`, "m").exec(text)?.[1]?.trim()
  const entity = field("实体")
  const relation = field("关系")
  const facts = field("事实")
  const n = Number(field("数量") ?? "1")
  if (entity && relation && facts) {
    const pairs = Array.from({ length: Math.max(1, Math.min(n, 5)) }, (_, i) => ({
      question: i === 0 ? `${entity}的${relation}是什么？` : `请问${entity}的${relation}有哪些？（${i + 1}）`,
      answer: `${entity}的${relation}：${facts}。`
    }))
    return JSON.stringify({ pairs })
  }
  return `收到：${text}`
}

const readBody = (req: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (c: Buffer) => chunks.push(c))
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")))
    req.on("error", reject)
  })

const sendJson = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers })
  res.end(JSON.stringify(body))
}

export const startLlmServer = (options: LlmServerOptions = {}): Promise<LlmServer> => {
  let handler: ChatHandler = options.handler ?? defaultHandler
  const pending: Array<Fault> = []
  const matching: Array<{ needle: string; left: number; fault: Fault }> = []
  const requests: Array<RecordedRequest> = []
  const sockets = new Set<Socket>()
  let completionId = 0
  let inFlight = 0
  let maxInFlight = 0

  const takeFault = (req: ChatRequest): Fault | undefined => {
    const text = lastUser(req)
    const m = matching.find((f) => f.left > 0 && text.includes(f.needle))
    if (m) {
      m.left--
      return m.fault
    }
    return pending.shift()
  }

  const control = async (req: IncomingMessage, res: ServerResponse, path: string) => {
    if (path === "/__control/requests") return sendJson(res, 200, requests)
    const body = JSON.parse((await readBody(req)) || "{}") as { count?: number; fault?: Fault; needle?: string }
    if (path === "/__control/fail" && body.fault) {
      if (body.needle) matching.push({ needle: body.needle, left: body.count ?? 1, fault: body.fault })
      else for (let i = 0; i < (body.count ?? 1); i++) pending.push(body.fault)
      return sendJson(res, 200, { ok: true })
    }
    if (path === "/__control/clear") {
      requests.length = 0
      pending.length = 0
      matching.length = 0
      return sendJson(res, 200, { ok: true })
    }
    sendJson(res, 404, { error: { message: `unknown control ${path}` } })
  }

  const chat = async (req: IncomingMessage, res: ServerResponse, rec: RecordedRequest) => {
    const body = rec.body as ChatRequest
    if (!body || !Array.isArray(body.messages)) {
      rec.status = 400
      return sendJson(res, 400, { error: { message: "messages must be an array", type: "invalid_request_error" } })
    }
    const f = takeFault(body)
    ;(rec as { fault: Fault["kind"] | undefined }).fault = f?.kind
    if (f?.kind === "429") {
      rec.status = 429
      return sendJson(
        res,
        429,
        { error: { message: "rate limited", type: "rate_limit_error" } },
        f.retryAfterSeconds !== undefined ? { "retry-after": String(f.retryAfterSeconds) } : {}
      )
    }
    if (f?.kind === "500") {
      rec.status = 500
      return sendJson(res, 500, { error: { message: "internal error", type: "server_error" } })
    }
    if (f?.kind === "hang") {
      rec.status = "hang"
      // never answer; the client's timeout (or close()) ends it
      return
    }
    if (f?.kind === "malformed-body") {
      rec.status = 200
      res.writeHead(200, { "content-type": "application/json" })
      return res.end('{"id": "chatcmpl-broken", "choices": [{"message": ')
    }
    const result = f?.kind === "malformed-content" ? "这不是JSON {pairs: [" : await handler(body, rec.seq)
    const content = typeof result === "string" ? result : result.content
    const promptTokens =
      typeof result === "object" && result.promptTokens !== undefined
        ? result.promptTokens
        : body.messages.reduce((s, m) => s + approxTokens(String(m.content ?? "")), 0)
    const completionTokens =
      typeof result === "object" && result.completionTokens !== undefined ? result.completionTokens : approxTokens(content)
    completionId++
    rec.status = 200
    const id = `chatcmpl-${completionId}`
    const created = 1_700_000_000 + completionId
    const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens }
    if (body.stream) {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" })
      const chunk = (delta: object, finish: string | null) =>
        `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
      res.write(chunk({ role: "assistant", content }, null))
      res.write(chunk({}, "stop"))
      return res.end("data: [DONE]\n\n")
    }
    sendJson(res, 200, {
      id,
      object: "chat.completion",
      created,
      model: body.model,
      choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop", logprobs: null }],
      usage
    })
  }

  const server = createServer(async (req, res) => {
    try {
      const path = (req.url ?? "/").split("?")[0]!
      if (path.startsWith("/__control/")) return await control(req, res, path)
      const raw = req.method === "POST" ? await readBody(req) : ""
      let body: unknown = undefined
      try {
        body = raw ? JSON.parse(raw) : undefined
      } catch {
        body = raw
      }
      const rec: RecordedRequest = {
        seq: requests.length + 1,
        method: req.method ?? "GET",
        path,
        body,
        authorization: req.headers.authorization,
        status: 0,
        fault: undefined
      }
      requests.push(rec)
      if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
        rec.status = 401
        return sendJson(res, 401, { error: { message: "invalid api key", type: "invalid_request_error" } })
      }
      if (req.method === "GET" && path === "/v1/models") {
        rec.status = 200
        return sendJson(res, 200, { object: "list", data: [{ id: "local-model", object: "model", created: 0, owned_by: "zaoji" }] })
      }
      if (req.method === "POST" && path === "/v1/chat/completions") {
        inFlight++
        maxInFlight = Math.max(maxInFlight, inFlight)
        res.once("close", () => inFlight--)
        return await chat(req, res, rec)
      }
      rec.status = 404
      sendJson(res, 404, { error: { message: `no route ${req.method} ${path}` } })
    } catch (e) {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String((e as Error)?.message ?? e) } })
    }
  })
  server.on("connection", (s) => {
    sockets.add(s)
    s.on("close", () => sockets.delete(s))
  })

  return new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      const port = (server.address() as AddressInfo).port
      resolve({
        baseURL: `http://127.0.0.1:${port}/v1`,
        port,
        requests,
        maxInFlight: () => maxInFlight,
        chatRequests: () => requests.filter((r) => r.path === "/v1/chat/completions"),
        setHandler: (h) => {
          handler = h
        },
        failNext: (count, fault) => {
          for (let i = 0; i < count; i++) pending.push(fault)
        },
        failMatching: (needle, count, fault) => {
          matching.push({ needle, left: count, fault })
        },
        clearRequests: () => {
          requests.length = 0
        },
        reset: () => {
          requests.length = 0
          maxInFlight = 0
          pending.length = 0
          matching.length = 0
          handler = options.handler ?? defaultHandler
        },
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy()
            server.close(() => done())
          })
      })
    })
  })
}
