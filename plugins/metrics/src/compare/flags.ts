/**
 * Flags a reader must see before believing a comparison:
 *
 * - `not-learning`: a model's training stage says its loss did not fall (the optional `learning`
 *   verdict of glm-runtime's `ModelArtifact`: first vs last window of the loss curve);
 * - `no-effect`: a tuned model answers exactly like the model it was trained from — every generated
 *   answer on the QA sets and every exam choice (plain and length-normalised, or the extracted
 *   letter and reply) equal — so every figure of the report is the same: tuning changed nothing
 *   measurable. The flag says how far the option log-likelihoods moved (equal within 1e-6
 *   relative, or the largest difference). The model it was trained from is the nearest earlier
 *   model of the comparison in its lineage.
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
        // the training stage's note names the windows and the noise level; the numbers otherwise
        message: `${model} did not learn: ${learning.note || `training loss ${learning.firstWindowLoss.toFixed(4)} → ${learning.lastWindowLoss.toFixed(4)} (windows of ${learning.window} steps)`}`
      }
    : undefined

const sameChoice = (a: ExamItem, b: ExamItem): boolean =>
  a.id === b.id && a.predicted === b.predicted && a.predictedNorm === b.predictedNorm && a.reply === b.reply

/** the largest relative difference of two items' option log-likelihoods (0 when they have none) */
const loglikDiff = (a: ExamItem, b: ExamItem): number => {
  const oa = a.options ?? []
  const ob = b.options ?? []
  if (oa.length !== ob.length) return Infinity
  let worst = 0
  oa.forEach((o, i) => {
    const x = o[1]
    const y = ob[i]![1]
    const d = x === y ? 0 : Math.abs(x - y) / Math.max(1, Math.abs(x), Math.abs(y))
    worst = Math.max(worst, Number.isNaN(d) ? Infinity : d)
  })
  return worst
}

interface PredictionRow {
  readonly id?: string
  readonly prediction?: string
}

interface SetComparison {
  readonly equal: number
  readonly n: number
  /** exam sets: the largest relative difference of option log-likelihoods */
  readonly loglik: number
}

/** how a set's records compare: equal predictions of n (undefined when not comparable) */
const compareRecords = (set: string, a: ReadonlyArray<unknown>, b: ReadonlyArray<unknown>): SetComparison | undefined => {
  if (a.length !== b.length || a.length === 0) return undefined
  const exam = set.startsWith("exam.") || set.startsWith("general.")
  // what the model itself produced: generated answers and exam choices (not human scores)
  if (set !== "qa" && set !== "general_qa" && !exam) return undefined
  let equal = 0
  let loglik = 0
  for (let i = 0; i < a.length; i++) {
    if (exam) {
      const x = a[i] as ExamItem
      const y = b[i] as ExamItem
      if (sameChoice(x, y)) equal++
      loglik = Math.max(loglik, loglikDiff(x, y))
    } else {
      const x = a[i] as PredictionRow
      const y = b[i] as PredictionRow
      if (x.id === y.id && x.prediction === y.prediction) equal++
    }
  }
  return { equal, n: a.length, loglik }
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
      .filter((c): c is readonly [string, SetComparison] => c[1] !== undefined)
    if (compared.length === 0 || !compared.every(([, c]) => c.equal === c.n)) return
    const n = compared.reduce((s, [, c]) => s + c.n, 0)
    const exams = compared.filter(([set]) => set.includes(".loglik"))
    const worst = Math.max(0, ...exams.map(([, c]) => c.loglik))
    const ll = exams.length === 0 ? "" : worst <= 1e-6 ? "; option log-likelihoods equal too (within 1e-6)" : `; option log-likelihoods differ by at most ${worst.toPrecision(2)} (relative)`
    flags.push({
      model: m.name,
      kind: "no-effect",
      inputModel: from.name,
      items: n,
      message: `${m.name}: all ${n} predictions (${compared.map(([s]) => s).join(", ")}) equal those of ${from.name}, the model it was trained from — tuning changed nothing measurable${ll}`
    })
  })
  return flags
}
