/** Token usage and what it cost, at the endpoint's prices. */
import type { LlmEndpoint } from "./endpoint.js"

export interface Usage {
  readonly promptTokens: number
  readonly completionTokens: number
}

/** the cost of `u` at the endpoint's prices per 1000 tokens (currency of the prices) */
export const costOf = (ep: Pick<LlmEndpoint, "pricePer1kPrompt" | "pricePer1kCompletion">, u: Usage): number =>
  (u.promptTokens / 1000) * ep.pricePer1kPrompt + (u.completionTokens / 1000) * ep.pricePer1kCompletion

/** the sum of several usages */
export const addUsage = (a: Usage, b: Usage): Usage => ({
  promptTokens: a.promptTokens + b.promptTokens,
  completionTokens: a.completionTokens + b.completionTokens
})
