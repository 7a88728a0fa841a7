/**
 * A GLM model (glm-runtime) as a `LanguageModel`. Every text is put in the model's chat prompt
 * format as one user turn (the way a chat model is asked an exam question), so log-likelihood
 * scoring and generation see the same prompt; a prompt with a history gets its earlier turns first. Generation is greedy with a fixed seed. A prompt
 * longer than the model's context is cut from the left (its newest part is kept); the count of such
 * cuts is exposed for the report.
 */
import { Effect } from "effect"
import { PermanentError } from "@zaoji/core"
import {
  buildGenerationInput,
  generate,
  processResponse,
  scoreContinuations,
  type ChatFormat,
  type GlmModel,
  type Tokenizer
} from "@zaoji/glm-runtime"
import { historyMessages } from "./chatMessages.js"
import type { GenerationPrompt, LanguageModel } from "./languageModel.js"

export interface GlmLanguageModel extends LanguageModel {
  /** prompts cut to fit the context so far */
  readonly truncated: () => number
}

export const glmLanguageModel = (
  name: string,
  model: GlmModel,
  tokenizer: Tokenizer,
  opts: { readonly format?: ChatFormat; readonly seed?: number; readonly batchSize?: number } = {}
): GlmLanguageModel => {
  const format = opts.format ?? tokenizer.chatFormat
  const cfg = model.config
  const maxContext = cfg.zaoji_arch === "glm1" ? cfg.max_sequence_length : cfg.seq_length
  let truncated = 0
  /** prompt ids with room for `room` more tokens; glm1 keeps its trailing marks, glm2/3 the leading ones */
  const promptIds = (prompt: GenerationPrompt, room: number): Array<number> => {
    const messages =
      typeof prompt === "string"
        ? historyMessages(undefined, [], prompt)
        : historyMessages(undefined, prompt.history.map(([user, reply]) => ({ user, reply })), prompt.query)
    const ids = buildGenerationInput(tokenizer, messages, format).ids
    const limit = Math.max(4, maxContext - room)
    if (ids.length <= limit) return ids
    truncated++
    if (tokenizer.layout === "glm1") return [...ids.slice(0, ids.length - 2).slice(-(limit - 2)), ...ids.slice(-2)]
    return [...ids.slice(0, 2), ...ids.slice(2).slice(-(limit - 2))]
  }
  const fail = (what: string) => (e: unknown) =>
    new PermanentError({ message: `${name}: ${what} failed: ${String((e as Error)?.message ?? e)}`, cause: e })
  return {
    name,
    truncated: () => truncated,
    loglik: (queries) =>
      Effect.tryPromise({
        try: () => {
          const items = queries.map((q) => {
            const continuation = tokenizer.encode(q.continuation)
            return { context: promptIds(q.context, continuation.length), continuation }
          })
          return scoreContinuations(model, items, { batchSize: opts.batchSize ?? 8 })
        },
        catch: fail("log-likelihood scoring")
      }).pipe(Effect.map((rs) => rs.map((r) => ({ sum: r.sum, count: r.count })))),
    generate: (prompts, settings) =>
      Effect.tryPromise({
        try: async () => {
          const ids = prompts.map((p) => promptIds(p, settings.maxNewTokens))
          const stop = new Set(tokenizer.stopIds)
          const res = await generate(model, ids, {
            maxNewTokens: settings.maxNewTokens,
            doSample: false,
            temperature: 0,
            seed: opts.seed ?? 0,
            stopIds: tokenizer.stopIds
          })
          return res.tokens.map((row) => processResponse(format, tokenizer.decode(row.filter((t) => !stop.has(t)))))
        },
        catch: fail("generation")
      })
  }
}
