/**
 * One chat call through the `openai` client with everything a paid, flaky endpoint needs: the
 * privacy guard, error classification (transient vs permanent), retries under the engine's retry
 * policy (core's `retrySchedule`: backoff, or the server's Retry-After when longer), a
 * per-request timeout, a start-rate limit and a concurrency bound.
 */
import OpenAI from "openai"
import { Effect } from "effect"
import { InputError, PermanentError, isLocalEndpoint, retrySchedule, type StageContext, TransientError } from "@zaoji/core"
import type { LlmEndpoint } from "./endpoint.js"
import { classify } from "./errors.js"
import { guardEndpoint } from "./privacyGuard.js"
import { makeRateLimiter } from "./rateLimiter.js"
import type { Usage } from "./usage.js"

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

export interface MakeClientOptions {
  /** the text to be sent is record-derived: only loopback or explicitly allowed endpoints */
  readonly sensitive: boolean
  readonly ctx: Pick<StageContext, "allowEndpoint">
  /** environment to read the key from (default process.env) */
  readonly env?: Readonly<Record<string, string | undefined>>
}

export const makeLlmClient = (ep: LlmEndpoint, options: MakeClientOptions): Effect.Effect<LlmClient, InputError> =>
  Effect.gen(function* () {
    yield* guardEndpoint(ep.baseURL, options)
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
