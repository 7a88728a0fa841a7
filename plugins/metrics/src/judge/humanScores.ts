/**
 * Human scores imported from a CSV with a header row: `id,score` and optionally `rater` and `max`
 * (the scale the rater used, default 10; scores are rescaled to 0–10). Several rows for one id
 * (several raters) are averaged. Bad rows are reported as file:line with the field and what was
 * expected; ids that are not in the question set are an error too.
 */
import { Effect, Schema } from "effect"
import { InputError } from "@zaoji/core"
import { readRows } from "@zaoji/data"
import { JUDGE_SCALE_MAX, type ScoredItem, type SubjectiveItem } from "./scoreRate.js"

const NumberCell = Schema.NumberFromString.pipe(Schema.finite())

export const HumanScoreRow = Schema.Struct({
  id: Schema.NonEmptyTrimmedString,
  score: NumberCell,
  rater: Schema.optionalWith(Schema.String, { default: () => "" }),
  max: Schema.optionalWith(NumberCell.pipe(Schema.positive()), { default: () => JUDGE_SCALE_MAX })
}).pipe(Schema.filter((r) => (r.score >= 0 && r.score <= r.max ? undefined : `score must be between 0 and max (${r.max}), got ${r.score}`)))
export type HumanScoreRow = typeof HumanScoreRow.Type

export const readHumanScores = (
  file: string,
  items: ReadonlyArray<SubjectiveItem>
): Effect.Effect<Array<ScoredItem>, InputError> =>
  Effect.gen(function* () {
    const res = yield* readRows(file, HumanScoreRow, {
      format: "csv",
      // empty optional cells mean "absent"
      map: (raw: Record<string, unknown>) => Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== "" && v !== undefined))
    })
    const byId = new Map(items.map((i) => [i.id, i]))
    const sums = new Map<string, { total: number; n: number }>()
    for (let i = 0; i < res.rows.length; i++) {
      const row = res.rows[i]
      if (!byId.has(row.id))
        return yield* Effect.fail(
          new InputError({ message: `${file}:${res.lines[i]}: id "${row.id}" is not a question of the subjective set`, location: `${file}:${res.lines[i]}` })
        )
      const s = sums.get(row.id) ?? { total: 0, n: 0 }
      s.total += (row.score / row.max) * JUDGE_SCALE_MAX
      s.n++
      sums.set(row.id, s)
    }
    return [...sums].map(([id, s]) => ({ id, score: s.total / s.n, points: byId.get(id)!.points }))
  })
