/**
 * One chat request, as an `ItemJob`: what a cluster runner executes for another runner's stage when
 * LLM items fan out. It is the transport part of `LlmClient.chat` (the request, the timeout, error
 * classification); the caller keeps the retry schedule, the attempt count and the check of the
 * answer, so a fanned-out item is retried, counted and validated exactly as on one machine.
 */
import OpenAI from "openai"
import { Effect, Schema } from "effect"
import { isLocalEndpoint, ItemJob, TransientError } from "@zaoji/core"
import { LlmEndpoint } from "./endpoint.js"
import { classify } from "./errors.js"

export const ChatAttemptInput = Schema.Struct({
  endpoint: LlmEndpoint,
  messages: Schema.Array(Schema.Struct({ role: Schema.Literal("system", "user", "assistant"), content: Schema.String })),
  /** record-derived text: never leaves the process that asked */
  sensitive: Schema.Boolean
})
export type ChatAttemptInput = typeof ChatAttemptInput.Type

export const ChatAttemptOutput = Schema.Struct({ content: Schema.String, promptTokens: Schema.Number, completionTokens: Schema.Number })
export type ChatAttemptOutput = typeof ChatAttemptOutput.Type

export const chatAttempt = ItemJob.make({
  name: "llm.chat-attempt",
  input: ChatAttemptInput,
  output: ChatAttemptOutput,
  // one limit per endpoint, whichever stage or runner calls it
  limit: (i) => ({ resource: i.endpoint.baseURL, concurrency: i.endpoint.concurrency, perMinute: i.endpoint.requestsPerMinute }),
  placement: (i) => (i.sensitive ? "here" : isLocalEndpoint(i.endpoint.baseURL) ? "same-host" : "anywhere"),
  run: (i) => requestOnce(openaiClient(i.endpoint, process.env[i.endpoint.apiKeyEnv]), i.endpoint, i.messages)
})

/** The `openai` client for an endpoint; retries are the caller's (they honour Retry-After and count attempts). */
export const openaiClient = (ep: LlmEndpoint, key: string | undefined): OpenAI =>
  new OpenAI({ baseURL: ep.baseURL, apiKey: key || "local", maxRetries: 0, timeout: ep.timeoutMs })

/** One request: the answer's text and usage, or a classified error. */
export const requestOnce = (
  client: OpenAI,
  ep: LlmEndpoint,
  messages: ReadonlyArray<{ readonly role: "system" | "user" | "assistant"; readonly content: string }>
) =>
  Effect.gen(function* () {
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
    if (typeof content !== "string") return yield* Effect.fail(new TransientError({ message: "malformed LLM response: no message content" }))
    return { content, promptTokens: res.usage?.prompt_tokens ?? 0, completionTokens: res.usage?.completion_tokens ?? 0 }
  })
