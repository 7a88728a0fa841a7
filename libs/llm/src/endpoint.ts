/**
 * The LLM endpoint settings a stage config carries (kg.generate-qa, records.process, the metrics
 * judge). The key itself is never in a config. The field names and defaults are part of those
 * stages' cache keys, so a change here re-runs (and re-pays for) their LLM work.
 */
import { Schema } from "effect"

export const LlmEndpoint = Schema.Struct({
  /** OpenAI-compatible base URL, e.g. http://127.0.0.1:8000/v1 */
  baseURL: Schema.String,
  model: Schema.String,
  /** name of the environment variable holding the API key (the key never enters configs or logs) */
  apiKeyEnv: Schema.optionalWith(Schema.String, { default: () => "OPENAI_API_KEY" }),
  temperature: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  maxTokens: Schema.optional(Schema.Int.pipe(Schema.positive())),
  /** ask the server for a JSON object (response_format json_object); off for servers without it */
  jsonMode: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  /** requests in flight at once */
  concurrency: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 4 }),
  /** at most this many requests started per minute (0 = unlimited) */
  requestsPerMinute: Schema.optionalWith(Schema.Number.pipe(Schema.nonNegative()), { default: () => 0 }),
  timeoutMs: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 60_000 }),
  /** attempts per request, first included (the retry rule is core's `retrySchedule`) */
  maxAttempts: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 5 }),
  baseDelayMs: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 500 }),
  maxDelayMs: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 30_000 }),
  /** a server's Retry-After longer than the backoff is honoured up to this long */
  maxRetryAfterMs: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 120_000 }),
  /** prices per 1000 tokens, for cost accounting (currency of your choice) */
  pricePer1kPrompt: Schema.optionalWith(Schema.Number, { default: () => 0 }),
  pricePer1kCompletion: Schema.optionalWith(Schema.Number, { default: () => 0 })
})
export type LlmEndpoint = typeof LlmEndpoint.Type
export type LlmEndpointEncoded = typeof LlmEndpoint.Encoded
