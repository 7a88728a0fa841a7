/**
 * A `Responder` over a loaded GLM: the conversation is laid out in the model's chat format,
 * decoded greedily (so a kit is reproducible) and post-processed as the official `chat` does.
 * Conversations are decoded in left-padded batches; greedy decoding of a row does not depend on
 * the other rows of its batch.
 */
import { buildGenerationInput, generate, processResponse, type ChatFormat, type GlmModel, type Tokenizer } from "@zaoji/glm-runtime"
import type { Responder } from "./dialogue.js"

export interface GlmResponderOptions {
  readonly maxNewTokens: number
  /** default: the tokenizer's chat format */
  readonly chatFormat?: ChatFormat
  /** conversations decoded together (default 8) */
  readonly batchSize?: number
  readonly signal?: AbortSignal
}

export const glmResponder = (model: GlmModel, tokenizer: Tokenizer, options: GlmResponderOptions): Responder => {
  const format = options.chatFormat ?? tokenizer.chatFormat
  const batchSize = Math.max(1, options.batchSize ?? 8)
  return async (conversations) => {
    const prompts = conversations.map((messages) => buildGenerationInput(tokenizer, messages, format).ids)
    const replies: Array<string> = []
    for (let i = 0; i < prompts.length; i += batchSize) {
      const result = await generate(model, prompts.slice(i, i + batchSize), {
        maxNewTokens: options.maxNewTokens,
        doSample: false,
        stopIds: tokenizer.stopIds,
        signal: options.signal
      })
      for (const tokens of result.tokens) replies.push(processResponse(format, tokenizer.decode(tokens)))
    }
    return replies
  }
}
