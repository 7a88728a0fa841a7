/**
 * Flags a reader must see before believing a comparison:
 *
 * - `not-learning`: a model's training stage says its loss did not fall (the optional `learning`
 *   verdict of glm-runtime's `ModelArtifact`: first vs last window of the loss curve);
 * - `no-effect`: a tuned model answers exactly like the model it was trained from — every generated
 *   answer on the QA sets, every exam choice and every option log-likelihood (within 1e-6 relative,
 *   float rounding) equal — so tuning changed nothing measurable. The model it was trained from is
 *   the nearest earlier model of the comparison in its lineage.
 */
import { Schema } from "effect"
import type { ExamItem } from "../exam/evaluate.js"

export const LearningVerdict = Schema.Struct({
  verdict: Schema.Literal("learning", "not-learning"),
  firstWindowLoss: Schema.Number,
  lastWindowLoss: Schema.Number,
  window: Schema.Number,
  note: Schema.String
})
export type LearningVerdict = typeof LearningVerdict.Type

export interface ModelFlag {
  readonly model: string
  readonly kind: "not-learning" | "no-effect"
  readonly message: string
}

const decodeLearning = Schema.decodeUnknownOption(LearningVerdict)

/** the training verdict recorded with a model artifact (its output value), if any */
export const learningOf = (value: unknown): LearningVerdict | undefined => {
  const raw = value !== null && typeof value === "object" ? (value as { learning?: unknown }).learning : undefined
  if (raw === undefined) return undefined
  const d = decodeLearning(raw)
  return d._tag === "Some" ? d.value : undefined
}

export const notLearningFlag = (model: string, learning: LearningVerdict | undefined): ModelFlag | undefined =>
  learning?.verdict === "not-learning"
    ? {
        model,
        kind: "not-learning",
        message: `${model}: training loss did not fall (${learning.firstWindowLoss.toFixed(4)} → ${learning.lastWindowLoss.toFixed(4)}, windows of ${learning.window} steps)${learning.note ? `: ${learning.note}` : ""}`
      }
    : undefined

const sameNumber = (a: number, b: number): boolean => a === b || Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b))

const sameExamItem = (a: ExamItem, b: ExamItem): boolean => {
  if (a.id !== b.id || a.predicted !== b.predicted || a.predictedNorm !== b.predictedNorm || a.reply !== b.reply) return false
  const oa = a.options ?? []
  const ob = b.options ?? []
  return oa.length === ob.length && oa.every((o, i) => o[0] === ob[i]![0] && sameNumber(o[1], ob[i]![1]))
}

interface PredictionRow {
  readonly id?: string
  readonly prediction?: string
}

/** how a set's records compare: equal rows, rows compared (undefined when not comparable) */
const compareRecords = (set: string, a: ReadonlyArray<unknown>, b: ReadonlyArray<unknown>): { equal: number; n: number } | undefined => {
  if (a.length !== b.length || a.length === 0) return undefined
  // what the model itself produced: generated answers and exam choices (not human scores)
  if (set !== "qa" && set !== "general_qa" && !set.startsWith("exam.") && !set.startsWith("general.")) return undefined
  let equal = 0
  for (let i = 0; i < a.length; i++) {
    if (set.startsWith("exam.") || set.startsWith("general.")) {
      if (sameExamItem(a[i] as ExamItem, b[i] as ExamItem)) equal++
    } else {
      const x = a[i] as PredictionRow
      const y = b[i] as PredictionRow
      if (x.id === y.id && x.prediction === y.prediction) equal++
    }
  }
  return { equal, n: a.length }
}

/**
 * `no-effect` flags: each model against the nearest earlier model of the comparison that is in its
 * lineage (`ancestors`: model artifact keys, nearest first), on every set both were evaluated on.
 */
export const noEffectFlags = (
  models: ReadonlyArray<{ readonly name: string; readonly key: string; readonly ancestors: ReadonlyArray<string> }>,
  records: Readonly<Record<string, Readonly<Record<string, ReadonlyArray<unknown>>>>>
): Array<ModelFlag & { readonly inputModel: string; readonly items: number }> => {
  const flags: Array<ModelFlag & { inputModel: string; items: number }> = []
  models.forEach((m, i) => {
    const earlier = models.slice(0, i)
    const from = m.ancestors.map((k) => earlier.find((e) => e.key === k)).find((e) => e !== undefined)
    if (from === undefined) return
    const mine = records[m.name] ?? {}
    const theirs = records[from.name] ?? {}
    const compared = Object.keys(mine)
      .filter((set) => theirs[set] !== undefined)
      .map((set) => [set, compareRecords(set, mine[set]!, theirs[set]!)] as const)
      .filter((c): c is readonly [string, { equal: number; n: number }] => c[1] !== undefined)
    if (compared.length === 0) return
    const n = compared.reduce((s, [, c]) => s + c.n, 0)
    if (compared.every(([, c]) => c.equal === c.n))
      flags.push({
        model: m.name,
        kind: "no-effect",
        inputModel: from.name,
        items: n,
        message: `${m.name}: all ${n} predictions (${compared.map(([s]) => s).join(", ")}) equal those of ${from.name}, the model it was trained from — tuning changed nothing measurable`
      })
  })
  return flags
}
