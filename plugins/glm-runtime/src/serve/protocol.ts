/**
 * The OpenAI chat-completions wire format: the request Schema (with precise field errors) and the
 * response / stream-chunk objects.
 */
import { Schema } from "effect"
import type { ChatCompletion } from "../chat/engine.js"
import type { ChatMessage } from "../tokenizer/types.js"

const TextPart = Schema.Struct({ type: Schema.Literal("text"), text: Schema.String })

const Message = Schema.Struct({
  role: Schema.Literal("system", "developer", "user", "assistant", "tool", "observation"),
  content: Schema.Union(Schema.String, Schema.Array(TextPart), Schema.Null),
  name: Schema.optional(Schema.String)
})

const Probability = Schema.Number.pipe(Schema.between(0, 1))

export const ChatCompletionRequest = Schema.Struct({
  model: Schema.String,
  messages: Schema.Array(Message).pipe(Schema.minItems(1)),
  stream: Schema.optional(Schema.Boolean),
  stream_options: Schema.optional(Schema.NullOr(Schema.Struct({ include_usage: Schema.optional(Schema.Boolean) }))),
  max_tokens: Schema.optional(Schema.NullOr(Schema.Int.pipe(Schema.positive()))),
  max_completion_tokens: Schema.optional(Schema.NullOr(Schema.Int.pipe(Schema.positive()))),
  temperature: Schema.optional(Schema.NullOr(Schema.Number.pipe(Schema.between(0, 2)))),
  top_p: Schema.optional(Schema.NullOr(Probability.pipe(Schema.greaterThan(0)))),
  top_k: Schema.optional(Schema.NullOr(Schema.Int.pipe(Schema.nonNegative()))),
  repetition_penalty: Schema.optional(Schema.NullOr(Schema.Number.pipe(Schema.positive()))),
  seed: Schema.optional(Schema.NullOr(Schema.Int)),
  n: Schema.optional(Schema.NullOr(Schema.Literal(1))),
  stop: Schema.optional(Schema.NullOr(Schema.Union(Schema.String, Schema.Array(Schema.String).pipe(Schema.maxItems(4)))))
})
export type ChatCompletionRequest = typeof ChatCompletionRequest.Type

/** OpenAI roles → ours ("developer" is the newer name of "system"; tool results are observations) */
export const toChatMessages = (req: ChatCompletionRequest): ChatMessage[] =>
  req.messages.map((m) => ({
    role: m.role === "developer" ? "system" : m.role === "tool" ? "observation" : m.role,
    content: m.content === null ? "" : typeof m.content === "string" ? m.content : m.content.map((p) => p.text).join("")
  }))

export interface Usage {
  readonly prompt_tokens: number
  readonly completion_tokens: number
  readonly total_tokens: number
}

export const usageOf = (c: ChatCompletion): Usage => ({
  prompt_tokens: c.promptTokens,
  completion_tokens: c.completionTokens,
  total_tokens: c.promptTokens + c.completionTokens
})

export const completionBody = (id: string, created: number, model: string, c: ChatCompletion) => ({
  id,
  object: "chat.completion" as const,
  created,
  model,
  choices: [{ index: 0, message: { role: "assistant" as const, content: c.text }, finish_reason: c.finishReason, logprobs: null }],
  usage: usageOf(c)
})

export const chunkBody = (
  id: string,
  created: number,
  model: string,
  delta: { role?: "assistant"; content?: string },
  finishReason: "stop" | "length" | null
) => ({
  id,
  object: "chat.completion.chunk" as const,
  created,
  model,
  choices: [{ index: 0, delta, finish_reason: finishReason, logprobs: null }]
})

export const errorBody = (message: string, type: string, code: string | null, param: string | null = null) => ({
  error: { message, type, param, code }
})
