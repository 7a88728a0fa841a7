/**
 * What evaluation needs from a model: log-likelihood of a continuation given a context, and greedy
 * generation. The GLM adapter (`glmModel.ts`) implements it over the runtime's scoring and
 * generation; `CharNgramLm` is a small, exactly computable reference model.
 */
import type { Effect } from "effect"
import type { StageFailure } from "@zaoji/core"

export interface LoglikQuery {
  readonly context: string
  readonly continuation: string
}

/** sum of natural-log probabilities of the continuation's tokens, and how many tokens that is */
export interface Loglik {
  readonly sum: number
  readonly count: number
}

/**
 * What to answer: a question alone, or a question that continues a conversation (the QA data's
 * `history` of earlier [question, answer] turns), which the model must see as it would in chat.
 */
export type GenerationPrompt = string | { readonly query: string; readonly history: ReadonlyArray<readonly [string, string]> }

/** the prompt's turns as plain text, for models without a chat format */
export const promptAsText = (p: GenerationPrompt): string =>
  typeof p === "string" ? p : [...p.history.flatMap(([q, a]) => [q, a]), p.query].join("\n")

export interface GenerateSettings {
  readonly maxNewTokens: number
}

export interface LanguageModel {
  readonly name: string
  readonly loglik: (queries: ReadonlyArray<LoglikQuery>) => Effect.Effect<ReadonlyArray<Loglik>, StageFailure>
  /** greedy decoding of each prompt; returns only the new text */
  readonly generate: (prompts: ReadonlyArray<GenerationPrompt>, settings: GenerateSettings) => Effect.Effect<ReadonlyArray<string>, StageFailure>
}
