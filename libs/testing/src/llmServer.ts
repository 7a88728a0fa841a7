/**
 * A real OpenAI-compatible chat-completions server on 127.0.0.1 for tests: answers through a
 * scriptable handler and can be told to fail the next requests (429 with Retry-After, 500, a hang
 * past the client's timeout, a malformed body or malformed JSON content). It records every request,
 * so a test can prove that nothing was sent twice. Control is in-process (the returned object) or
 * over HTTP (`/__control/*`) when it runs as a child process (llmServerMain.ts).
 */
import { HttpError, json, route, startHttpServer, type Request } from "@zaoji/http"

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
  /** the most chat requests that were being handled at the same time (a hung one counts until its client gives up) */
  readonly maxInFlight: () => number
  /** start counting `maxInFlight` afresh (from the requests in flight now) */
  readonly resetMaxInFlight: () => void
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

/** the `type` OpenAI gives each error status */
const errorType = (status: number): string => (status === 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error")

export const startLlmServer = async (options: LlmServerOptions = {}): Promise<LlmServer> => {
  let handler: ChatHandler = options.handler ?? defaultHandler
  const pending: Array<Fault> = []
  const matching: Array<{ needle: string; left: number; fault: Fault }> = []
  const requests: Array<RecordedRequest> = []
  /** the record of each request being answered (control requests have none) */
  const recordOf = new WeakMap<Request["raw"], RecordedRequest>()
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

  /** record every request but the control ones (a body that is not JSON is kept as text), then check the key */
  const record = async (request: Request): Promise<void> => {
    if (request.path.startsWith("/__control/")) return
    const raw = request.method === "POST" ? await request.text() : ""
    let body: unknown = undefined
    try {
      body = raw ? JSON.parse(raw) : undefined
    } catch {
      body = raw
    }
    const rec: RecordedRequest = {
      seq: requests.length + 1,
      method: request.method,
      path: request.path,
      body,
      authorization: request.headers.authorization,
      status: 0,
      fault: undefined
    }
    requests.push(rec)
    recordOf.set(request.raw, rec)
    // whatever the kit answers (404, 405, …) is recorded too; the handlers below set theirs first
    request.response.once("finish", () => {
      if (rec.status === 0) rec.status = request.response.statusCode
    })
    if (options.apiKey !== undefined && request.headers.authorization !== `Bearer ${options.apiKey}`) {
      rec.status = 401
      throw new HttpError({ status: 401, message: "invalid api key" })
    }
  }

  const fail = (rec: RecordedRequest, status: number, message: string, headers?: Record<string, string>): never => {
    rec.status = status
    throw new HttpError({ status, message, headers })
  }

  const chat = async (request: Request) => {
    const rec = recordOf.get(request.raw)!
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    // answered (finish) or given up by the client (close, e.g. after a hang), whichever comes first
    let counted = true
    const leave = () => {
      if (counted) inFlight--
      counted = false
    }
    request.response.once("finish", leave)
    request.response.once("close", leave)
    const body = rec.body as ChatRequest
    if (!body || !Array.isArray(body.messages)) return fail(rec, 400, "messages must be an array")
    const f = takeFault(body)
    ;(rec as { fault: Fault["kind"] | undefined }).fault = f?.kind
    if (f?.kind === "429") return fail(rec, 429, "rate limited", f.retryAfterSeconds !== undefined ? { "retry-after": String(f.retryAfterSeconds) } : undefined)
    if (f?.kind === "500") return fail(rec, 500, "internal error")
    if (f?.kind === "hang") {
      rec.status = "hang"
      // never answer; the client's timeout (or close()) ends it
      return
    }
    const res = request.response
    if (f?.kind === "malformed-body") {
      rec.status = 200
      res.writeHead(200, { "content-type": "application/json" })
      res.end('{"id": "chatcmpl-broken", "choices": [{"message": ')
      return
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
      res.end("data: [DONE]\n\n")
      return
    }
    return json({
      id,
      object: "chat.completion",
      created,
      model: body.model,
      choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop", logprobs: null }],
      usage
    })
  }

  const controlFail = async (request: Request) => {
    const body = (await request.json({})) as { count?: number; fault?: Fault; needle?: string }
    if (!body.fault) throw new HttpError({ status: 400, message: "fault: expected an object like {\"kind\": \"500\"}" })
    if (body.needle) matching.push({ needle: body.needle, left: body.count ?? 1, fault: body.fault })
    else for (let i = 0; i < (body.count ?? 1); i++) pending.push(body.fault)
    return json({ ok: true })
  }

  const server = await startHttpServer({
    port: options.port ?? 0,
    // prompts of long tests can be large; the limit only guards against a runaway client
    maxBodyBytes: 64 << 20,
    // tests reach it under other names on purpose (e.g. 0.0.0.0, to exercise the privacy guard)
    checkHost: false,
    before: record,
    errorBody: (e) => ({ error: { message: e.message, type: errorType(e.status) } }),
    routes: [
      route("GET", "/v1/models", (request) => {
        recordOf.get(request.raw)!.status = 200
        return json({ object: "list", data: [{ id: "local-model", object: "model", created: 0, owned_by: "zaoji" }] })
      }),
      route("POST", "/v1/chat/completions", chat),
      route("GET", "/__control/requests", () => json(requests)),
      route("POST", "/__control/fail", controlFail),
      route("POST", "/__control/clear", () => {
        requests.length = 0
        pending.length = 0
        matching.length = 0
        return json({ ok: true })
      })
    ]
  })
  return {
    baseURL: `${server.url}/v1`,
    port: server.port,
    requests,
    maxInFlight: () => maxInFlight,
    resetMaxInFlight: () => {
      maxInFlight = inFlight
    },
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
    close: server.close
  }
}
