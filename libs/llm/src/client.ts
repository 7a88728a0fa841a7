/**
 * One chat call through the `openai` client with everything a paid, flaky endpoint needs: the
 * privacy guard, error classification (transient vs permanent), retries on an effect Schedule
 * that honours Retry-After, a per-request timeout, a start-rate limit and a concurrency bound.
 */
import OpenAI from "openai"
import { Duration, Effect, Schedule } from "effect"
import { InputError, PermanentError, isLocalEndpoint, type StageContext, TransientError } from "@zaoji/core"
import type { LlmEndpoint } from "./config.js"

export interface Usage {
  readonly promptTokens: number
  readonly completionTokens: number
}

export interface ChatResult {
  readonly content: string
  readonly usage: Usage
  /** attempts it took (1 = first try) */
  readonly attempts: number
}

export interface ChatMessage {
  readonly role: "system" | "user" | "assistant"
  readonly content: string
}

export interface LlmClient {
  readonly endpoint: LlmEndpoint
  /** one request (with retries); `validate` turns a content the caller cannot use into a retry */
  readonly chat: <A>(
    messages: ReadonlyArray<ChatMessage>,
    validate: (content: string) => A | Error
  ) => Effect.Effect<{ value: A } & ChatResult, TransientError | PermanentError>
  /** run effects with the endpoint's concurrency bound */
  readonly concurrency: number
}

/** Retry-After as seconds or an HTTP date, or retry-after-ms; undefined when absent */
export const retryAfterMs = (headers: { get(name: string): string | null } | undefined): number | undefined => {
  const ms = headers?.get("retry-after-ms")
  if (ms && Number.isFinite(Number(ms))) return Number(ms)
  const ra = headers?.get("retry-after")
  if (!ra) return undefined
  if (/^\d+(\.\d+)?$/.test(ra.trim())) return Number(ra) * 1000
  const at = Date.parse(ra)
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now())
}

/** map whatever the client threw to our error tags; messages never include the key */
export const classify = (e: unknown, timeoutMs: number): TransientError | PermanentError => {
  if (e instanceof OpenAI.APIConnectionTimeoutError)
    return new TransientError({ message: `LLM request timed out after ${timeoutMs} ms` })
  if (e instanceof OpenAI.APIConnectionError) return new TransientError({ message: `LLM endpoint unreachable: ${e.message}` })
  if (e instanceof OpenAI.APIError) {
    const status = e.status ?? 0
    if (status === 429 || status === 408 || status === 409 || status >= 500)
      return new TransientError({ message: `LLM endpoint answered ${status}`, retryAfterMs: retryAfterMs(e.headers) })
    if (status === 401 || status === 403)
      return new PermanentError({ message: `LLM endpoint refused the API key (${status})` })
    return new PermanentError({ message: `LLM endpoint answered ${status}: ${e.message}` })
  }
  // a body that is not JSON, a reset connection…: the next attempt may well succeed
  return new TransientError({ message: `malformed LLM response: ${String((e as Error)?.message ?? e).slice(0, 200)}` })
}

/**
 * Exponential backoff with jitter, capped; a server's Retry-After (capped too) wins when longer.
 * Only transient errors are retried.
 */
export const retrySchedule = (ep: Pick<LlmEndpoint, "maxAttempts" | "baseDelayMs" | "maxDelayMs" | "maxRetryAfterMs">) =>
  Schedule.exponential(Duration.millis(Math.max(1, ep.baseDelayMs))).pipe(
    Schedule.jittered,
    Schedule.intersect(Schedule.identity<TransientError | PermanentError>()),
    Schedule.modifyDelay(([, err], d) => {
      const capped = Duration.min(d, Duration.millis(ep.maxDelayMs))
      const ra = err._tag === "TransientError" && err.retryAfterMs !== undefined ? Math.min(err.retryAfterMs, ep.maxRetryAfterMs) : 0
      return Duration.max(capped, Duration.millis(ra))
    }),
    Schedule.intersect(Schedule.recurs(Math.max(0, ep.maxAttempts - 1))),
    Schedule.whileInput((err: TransientError | PermanentError) => err._tag === "TransientError")
  )

/** spaces request starts so that at most `perMinute` begin in any minute-long stretch on average */
export const makeRateLimiter = (perMinute: number): Effect.Effect<void> => {
  if (perMinute <= 0) return Effect.void
  const gapMs = 60_000 / perMinute
  let next = 0
  return Effect.flatMap(
    Effect.clockWith((c) => c.currentTimeMillis),
    (now) => {
      const start = Math.max(now, next)
      next = start + gapMs
      return start > now ? Effect.sleep(Duration.millis(start - now)) : Effect.void
    }
  )
}

export interface MakeClientOptions {
  /** the text to be sent is record-derived: only loopback or explicitly allowed endpoints */
  readonly sensitive: boolean
  readonly ctx: Pick<StageContext, "allowEndpoint">
  /** environment to read the key from (default process.env) */
  readonly env?: Readonly<Record<string, string | undefined>>
}

export const makeLlmClient = (ep: LlmEndpoint, options: MakeClientOptions): Effect.Effect<LlmClient, InputError> =>
  Effect.gen(function* () {
    try {
      new URL(ep.baseURL)
    } catch {
      return yield* Effect.fail(new InputError({ message: `llm.baseURL: expected an http(s) URL, got "${ep.baseURL}"`, location: "llm.baseURL" }))
    }
    if (options.sensitive && !options.ctx.allowEndpoint(ep.baseURL))
      return yield* Effect.fail(
        new InputError({
          message:
            `refusing to send record-derived (sensitive) text to ${new URL(ep.baseURL).origin}: it is not on loopback ` +
            `and the workflow does not list it as an allowed endpoint`,
          location: "llm.baseURL"
        })
      )
    const key = (options.env ?? process.env)[ep.apiKeyEnv]
    if ((key === undefined || key === "") && !isLocalEndpoint(ep.baseURL))
      return yield* Effect.fail(
        new InputError({ message: `environment variable ${ep.apiKeyEnv} is not set (it must hold the API key for ${new URL(ep.baseURL).origin})`, location: "llm.apiKeyEnv" })
      )
    // retries are ours (they must honour Retry-After and count attempts), so the client's are off
    const client = new OpenAI({ baseURL: ep.baseURL, apiKey: key || "local", maxRetries: 0, timeout: ep.timeoutMs })
    const limiter = makeRateLimiter(ep.requestsPerMinute)
    const schedule = retrySchedule(ep)

    const chat: LlmClient["chat"] = (messages, validate) => {
      let attempts = 0
      const once = Effect.gen(function* () {
        yield* limiter
        attempts++
        const res = yield* Effect.tryPromise({
          try: (signal) =>
            client.chat.completions.create(
              {
                model: ep.model,
                messages: messages.map((m) => ({ role: m.role, content: m.content })),
                temperature: ep.temperature,
                ...(ep.maxTokens !== undefined ? { max_tokens: ep.maxTokens } : {}),
                ...(ep.jsonMode ? { response_format: { type: "json_object" as const } } : {})
              },
              { signal, timeout: ep.timeoutMs }
            ),
          catch: (e) => classify(e, ep.timeoutMs)
        })
        const content = res.choices?.[0]?.message?.content
        if (typeof content !== "string")
          return yield* Effect.fail(new TransientError({ message: "malformed LLM response: no message content" }))
        const value = validate(content)
        if (value instanceof Error) return yield* Effect.fail(new TransientError({ message: `unusable LLM answer: ${value.message}` }))
        return {
          value,
          content,
          usage: { promptTokens: res.usage?.prompt_tokens ?? 0, completionTokens: res.usage?.completion_tokens ?? 0 }
        }
      })
      return once.pipe(
        Effect.retry(schedule),
        Effect.map((r) => ({ ...r, attempts }))
      )
    }
    return { endpoint: ep, chat, concurrency: ep.concurrency }
  })

export const costOf = (ep: LlmEndpoint, u: Usage): number =>
  (u.promptTokens / 1000) * ep.pricePer1kPrompt + (u.completionTokens / 1000) * ep.pricePer1kCompletion
