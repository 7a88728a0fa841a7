/**
 * @zaoji/llm: any OpenAI-compatible chat endpoint, for stages that call one — the endpoint
 * settings (`LlmEndpoint`), a client on the `openai` package with the privacy guard, the engine's
 * retry policy, a per-request timeout, a start-rate limit and a concurrency bound, error
 * classification, and token/cost accounting.
 */
export { LlmEndpoint, type LlmEndpointEncoded } from "./endpoint.js"
export { makeLlmClient, type LlmClient, type ChatMessage, type ChatResult, type MakeClientOptions } from "./client.js"
export { guardEndpoint, type GuardOptions } from "./privacyGuard.js"
export { classify, retryAfterMs } from "./errors.js"
export { makeRateLimiter } from "./rateLimiter.js"
export { costOf, addUsage, type Usage } from "./usage.js"
