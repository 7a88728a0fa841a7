/**
 * Supervised fine-tuning data: QA pairs (JSON Lines, `@zaoji/data`'s QaPair) read from dataset
 * artifacts, a seeded validation hold-out when no validation set is wired, and tokenization in the
 * model's chat format.
 */
import { Effect } from "effect"
import type { InputError } from "@zaoji/core"
import { QaPair, readRows } from "@zaoji/data"
import { Rng, type TokenExample } from "@zaoji/training"
import type { ChatFormat, Tokenizer } from "../tokenizer/types.js"
import { buildExamples, type ExampleLimits, type SupervisedPair, type TruncationStats } from "./examples.js"

export const readQaPairs = (file: string): Effect.Effect<SupervisedPair[], InputError> =>
  readRows(file, QaPair).pipe(
    Effect.map((r) => r.rows.map((q) => ({ question: q.question, answer: q.answer, ...(q.history ? { history: q.history } : {}) })))
  )

/** Hold out `ratio` of the pairs (at least 1 when ratio > 0 and there are ≥ 10 pairs), seeded. */
export const holdOut = <A>(items: ReadonlyArray<A>, ratio: number, seed: number): { train: A[]; validation: A[] } => {
  const k = ratio > 0 && items.length >= 10 ? Math.max(1, Math.round(items.length * ratio)) : 0
  if (k === 0) return { train: [...items], validation: [] }
  const order = new Rng((seed ^ 0x5bd1e995) >>> 0).shuffle(items.map((_, i) => i))
  const val = new Set(order.slice(0, k))
  return { train: items.filter((_, i) => !val.has(i)), validation: items.filter((_, i) => val.has(i)) }
}

export interface SupervisedData {
  readonly train: TokenExample[]
  readonly validation: TokenExample[]
  readonly truncation: TruncationStats
}

export const prepareSupervised = (args: {
  readonly trainFile: string
  readonly validationFile?: string | undefined
  readonly tokenizer: Tokenizer
  readonly format: ChatFormat
  readonly limits: ExampleLimits
  readonly validationRatio: number
  readonly seed: number
}): Effect.Effect<SupervisedData, InputError> =>
  Effect.gen(function* () {
    const pairs = yield* readQaPairs(args.trainFile)
    const split =
      args.validationFile !== undefined
        ? { train: pairs, validation: yield* readQaPairs(args.validationFile) }
        : holdOut(pairs, args.validationRatio, args.seed)
    const t = buildExamples(args.tokenizer, args.format, split.train, args.limits)
    const v = buildExamples(args.tokenizer, args.format, split.validation, args.limits)
    return {
      train: t.examples,
      validation: v.examples,
      truncation: {
        examples: t.stats.examples + v.stats.examples,
        sourceTruncated: t.stats.sourceTruncated + v.stats.sourceTruncated,
        targetTruncated: t.stats.targetTruncated + v.stats.targetTruncated,
        idsDropped: t.stats.idsDropped + v.stats.idsDropped
      }
    }
  })
