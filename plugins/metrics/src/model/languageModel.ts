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

export interface GenerateSettings {
  readonly maxNewTokens: number
}

export interface LanguageModel {
  readonly name: string
  readonly loglik: (queries: ReadonlyArray<LoglikQuery>) => Effect.Effect<ReadonlyArray<Loglik>, StageFailure>
  /** greedy decoding of each prompt; returns only the new text */
  readonly generate: (prompts: ReadonlyArray<string>, settings: GenerateSettings) => Effect.Effect<ReadonlyArray<string>, StageFailure>
}
