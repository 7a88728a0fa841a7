/**
 * The paper's score rate for subjective questions: points earned / points possible.
 * Each question is worth `points` (default 10); a judge (LLM or human) gives a score on 0–10, and
 * the question earns `score / 10 · points`. Several human scores for one question are averaged
 * before scaling. The rate is Σ earned / Σ possible over the scored questions, in [0, 1].
 */
import { Schema } from "effect"

/** a subjective question with its reference answer and, optionally, a marking rubric */
export const SubjectiveItem = Schema.Struct({
  id: Schema.String,
  question: Schema.NonEmptyString,
  reference: Schema.NonEmptyString,
  rubric: Schema.optionalWith(Schema.String, { default: () => "" }),
  points: Schema.optionalWith(Schema.Number.pipe(Schema.positive()), { default: () => 10 }),
  sensitive: Schema.optionalWith(Schema.Boolean, { default: () => false })
})
export type SubjectiveItem = typeof SubjectiveItem.Type

export const JUDGE_SCALE_MAX = 10

export interface ScoredItem {
  readonly id: string
  /** judge score on 0–10 (mean of raters for human scores) */
  readonly score: number
  readonly points: number
}

export interface ScoreRate {
  readonly rate: number
  readonly earned: number
  readonly possible: number
  readonly n: number
}

export const scoreRate = (items: ReadonlyArray<ScoredItem>): ScoreRate => {
  let earned = 0
  let possible = 0
  for (const it of items) {
    earned += (it.score / JUDGE_SCALE_MAX) * it.points
    possible += it.points
  }
  return { rate: possible === 0 ? NaN : earned / possible, earned, possible, n: items.length }
}
