/**
 * One chat call through the `openai` client with everything a paid, flaky endpoint needs: the
 * privacy guard, error classification (transient vs permanent), retries under the engine's retry
 * policy (core's `retrySchedule`: backoff, or the server's Retry-After when longer), a
 * per-request timeout, a start-rate limit and a concurrency bound.
 */
import { Effect } from "effect"
import { InputError, ItemJob, PermanentError, isLocalEndpoint, retrySchedule, type StageContext, TransientError } from "@zaoji/core"
import { chatAttempt, openaiClient, requestOnce } from "./chatAttempt.js"
import type { LlmEndpoint } from "./endpoint.js"
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
    const client = openaiClient(ep, key)
    const limiter = makeRateLimiter(ep.requestsPerMinute)
    const schedule = retrySchedule(ep)
    // on a cluster runner the request itself may run on another runner, under the cluster's limits
    // for this endpoint instead of this client's (ItemJob.runItem; here on one machine)
    const request = (messages: ReadonlyArray<ChatMessage>) =>
      ItemJob.runItem(chatAttempt, { endpoint: ep, messages, sensitive: options.sensitive }, Effect.zipRight(limiter, requestOnce(client, ep, messages)))

    const chat: LlmClient["chat"] = (messages, validate) => {
      let attempts = 0
      const once = Effect.gen(function* () {
        attempts++
        const { content, promptTokens, completionTokens } = yield* request(messages)
        const value = validate(content)
        if (value instanceof Error) return yield* Effect.fail(new TransientError({ message: `unusable LLM answer: ${value.message}` }))
        return { value, content, usage: { promptTokens, completionTokens } }
      })
      return once.pipe(
        Effect.retry(schedule),
        Effect.map((r) => ({ ...r, attempts }))
      )
    }
    return { endpoint: ep, chat, concurrency: ep.concurrency }
  })
