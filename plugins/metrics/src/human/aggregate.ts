/**
 * Unblinded aggregation of human ratings.
 *
 * Blind answers (0–10): a model's mean is the mean of every entered score of its answers (all
 * raters, all questions); empty scores (comment only) do not count. Its 95% CI is the cluster
 * bootstrap of stats.ts with the question as cluster. Per rater: the same mean restricted to one
 * rater. Agreement: the unit is one answer (question + label); Krippendorff's interval alpha over
 * all raters (missing allowed) and ICC(2,1)/ICC(2,k) over the answers every rater scored.
 *
 * Pairwise (blind answers): for models X and Y, every (rater, question) where the rater scored both
 * gives d = score(X) − score(Y); the report gives the mean of d with a question-cluster bootstrap
 * 95% CI, and how often X scored higher, equal or lower. Pairs are listed in the mapping's model order.
 *
 * Dialogue replies (1–5 on accuracy, value to doctors, suitability for patients): per dimension, a
 * model's mean is the mean of the entered scores of its replies, with the conversation as bootstrap
 * cluster. `overall` is, per reply, the mean of the dimensions entered for it, then averaged like a
 * dimension. Agreement per dimension: the unit is one reply (conversation + turn).
 */
import { REPLY_DIMENSIONS, type Kit, type KitMapping, type ReplyDimension } from "./kitFormat.js"
import type { AnswerRating, LiveDialogue, ReplyRating } from "./ratingsStore.js"
import { icc2, krippendorffAlphaInterval } from "./agreement.js"
import { clusterBootstrapMeanCi, mean, sampleSd } from "./stats.js"
import { InputError } from "@zaoji/core"

export interface MeanSummary {
  /** number of scores */
  readonly n: number
  readonly mean: number | null
  readonly sd: number | null
  readonly ci95: readonly [number, number] | null
}

export interface BlindModelSummary extends MeanSummary {
  readonly model: string
  /** questions with at least one score for this model */
  readonly questions: number
}

export interface RaterModelMean {
  readonly rater: string
  readonly model: string
  readonly n: number
  readonly mean: number | null
}

export interface AgreementSummary {
  readonly raters: number
  readonly krippendorffAlphaInterval: number | null
  readonly pairableUnits: number
  readonly icc21: number | null
  readonly icc2k: number | null
  /** units scored by every rater (the ICC matrix rows) */
  readonly completeUnits: number
}

export type DimensionSummaries = { readonly [D in ReplyDimension | "overall"]: MeanSummary }

export interface DialogueModelSummary extends DimensionSummaries {
  readonly model: string
  readonly conversations: number
  readonly ratedReplies: number
}

export interface DialogueRaterSummary {
  readonly rater: string
  readonly model: string
  readonly ratedReplies: number
  readonly means: { readonly [D in ReplyDimension | "overall"]: number | null }
}

export interface UnblindedAnswerRating extends AnswerRating {
  readonly model: string
}
export interface UnblindedReplyRating extends ReplyRating {
  readonly model: string
}

export interface PairwiseSummary extends MeanSummary {
  readonly a: string
  readonly b: string
  readonly wins: number
  readonly ties: number
  readonly losses: number
}

export interface HumanEvalReport {
  readonly title: string
  readonly models: ReadonlyArray<string>
  readonly raters: ReadonlyArray<string>
  readonly blind: {
    readonly scale: readonly [number, number]
    readonly questions: number
    readonly perModel: ReadonlyArray<BlindModelSummary>
    readonly perRater: ReadonlyArray<RaterModelMean>
    /** mean score difference a − b over (rater, question) pairs scoring both */
    readonly pairwise: ReadonlyArray<PairwiseSummary>
    readonly agreement: AgreementSummary
    /** every entered rating, unblinded (comments included) */
    readonly ratings: ReadonlyArray<UnblindedAnswerRating>
  }
  readonly dialogue: {
    readonly scale: readonly [number, number]
    readonly conversations: number
    readonly perModel: ReadonlyArray<DialogueModelSummary>
    readonly perRater: ReadonlyArray<DialogueRaterSummary>
    readonly agreement: { readonly [D in ReplyDimension | "overall"]: AgreementSummary }
    readonly ratings: ReadonlyArray<UnblindedReplyRating>
  }
  readonly bootstrap: { readonly resamples: number; readonly seed: number; readonly level: 0.95 }
}

export interface AggregateOptions {
  readonly resamples?: number
  readonly seed?: number
}

interface Scored {
  readonly rater: string
  readonly model: string
  readonly cluster: string
  readonly unit: string
  readonly value: number
}

const summarise = (rows: ReadonlyArray<Scored>, clusters: ReadonlyArray<string>, resamples: number, seed: number): MeanSummary => {
  if (rows.length === 0) return { n: 0, mean: null, sd: null, ci95: null }
  const values = rows.map((r) => r.value)
  const byCluster = new Map<string, Array<number>>(clusters.map((c) => [c, []]))
  for (const r of rows) byCluster.get(r.cluster)?.push(r.value)
  return {
    n: values.length,
    mean: mean(values),
    sd: sampleSd(values),
    ci95: clusterBootstrapMeanCi([...byCluster.values()], { resamples, seed })
  }
}

const agreementOf = (rows: ReadonlyArray<Scored>): AgreementSummary => {
  const raters = [...new Set(rows.map((r) => r.rater))].sort()
  const byUnit = new Map<string, Map<string, number>>()
  for (const r of rows) {
    const m = byUnit.get(r.unit) ?? new Map<string, number>()
    m.set(r.rater, r.value)
    byUnit.set(r.unit, m)
  }
  const alpha = krippendorffAlphaInterval([...byUnit.values()].map((m) => [...m.values()]))
  const complete = [...byUnit.values()].filter((m) => raters.every((r) => m.has(r))).map((m) => raters.map((r) => m.get(r)!))
  const icc = icc2(complete)
  return {
    raters: raters.length,
    krippendorffAlphaInterval: alpha.alpha,
    pairableUnits: alpha.pairableUnits,
    icc21: icc.icc21,
    icc2k: icc.icc2k,
    completeUnits: raters.length >= 2 ? complete.length : 0
  }
}

const pairwiseOf = (rows: ReadonlyArray<Scored>, models: ReadonlyArray<string>, questionIds: ReadonlyArray<string>, resamples: number, seed: number): Array<PairwiseSummary> => {
  // (rater, question, model) → score
  const score = new Map<string, number>()
  for (const r of rows) score.set(JSON.stringify([r.rater, r.cluster, r.model]), r.value)
  const raters = [...new Set(rows.map((r) => r.rater))]
  const out: Array<PairwiseSummary> = []
  for (let i = 0; i < models.length; i++) {
    for (let j = i + 1; j < models.length; j++) {
      const a = models[i]!
      const b = models[j]!
      const diffs: Array<Scored> = []
      for (const rater of raters) {
        for (const q of questionIds) {
          const x = score.get(JSON.stringify([rater, q, a]))
          const y = score.get(JSON.stringify([rater, q, b]))
          if (x !== undefined && y !== undefined) diffs.push({ rater, model: a, cluster: q, unit: q, value: x - y })
        }
      }
      out.push({
        a,
        b,
        ...summarise(diffs, questionIds, resamples, seed),
        wins: diffs.filter((d) => d.value > 0).length,
        ties: diffs.filter((d) => d.value === 0).length,
        losses: diffs.filter((d) => d.value < 0).length
      })
    }
  }
  return out
}

const raterMeans = (rows: ReadonlyArray<Scored>): Array<RaterModelMean> => {
  const groups = new Map<string, Array<number>>()
  for (const r of rows) {
    const k = JSON.stringify([r.rater, r.model])
    const list = groups.get(k) ?? []
    list.push(r.value)
    groups.set(k, list)
  }
  return [...groups.entries()]
    .map(([k, vs]) => {
      const [rater, model] = JSON.parse(k) as [string, string]
      return { rater, model, n: vs.length, mean: mean(vs) }
    })
    .sort((a, b) => (a.rater === b.rater ? a.model.localeCompare(b.model) : a.rater.localeCompare(b.rater)))
}

export interface AggregateInput {
  readonly kit: Kit
  readonly mapping: KitMapping
  readonly answerRatings: ReadonlyArray<AnswerRating>
  readonly replyRatings: ReadonlyArray<ReplyRating>
  readonly liveDialogues: ReadonlyArray<LiveDialogue>
}

export const aggregateHumanRatings = (input: AggregateInput, options: AggregateOptions = {}): HumanEvalReport => {
  const resamples = options.resamples ?? 2000
  const seed = options.seed ?? 0
  const { kit, mapping } = input

  // ---- blind answers
  const blindRows: Array<Scored> = []
  const answerRatings: Array<UnblindedAnswerRating> = []
  for (const r of input.answerRatings) {
    const model = mapping.questions[r.questionId]?.[r.label]
    if (model === undefined) {
      throw new InputError({
        message: `rating of ${r.questionId}/${r.label} by "${r.rater}" has no entry in the mapping (expected the mapping made with this kit)`,
        location: `mapping.questions.${r.questionId}`
      })
    }
    answerRatings.push({ ...r, model })
    if (r.score === null) continue
    blindRows.push({ rater: r.rater, model, cluster: r.questionId, unit: `${r.questionId}\u0000${r.label}`, value: r.score })
  }
  const questionIds = kit.questions.map((q) => q.id)
  const inBlind = new Set(Object.values(mapping.questions).flatMap((m) => Object.values(m)))
  const blindModels = mapping.models.filter((m) => inBlind.has(m))
  const perModel: Array<BlindModelSummary> = blindModels.map((model) => {
    const rows = blindRows.filter((r) => r.model === model)
    return { model, questions: new Set(rows.map((r) => r.cluster)).size, ...summarise(rows, questionIds, resamples, seed) }
  })

  // ---- dialogue replies (scripted + live)
  const liveModel = new Map(input.liveDialogues.map((d) => [d.id, d.model]))
  const dialogueRows: Record<ReplyDimension | "overall", Array<Scored>> = { accuracy: [], doctorValue: [], patientSuitability: [], overall: [] }
  const replyRatings: Array<UnblindedReplyRating> = []
  for (const r of input.replyRatings) {
    const model = mapping.dialogues[r.dialogueId] ?? liveModel.get(r.dialogueId)
    if (model === undefined) {
      throw new InputError({
        message: `rating of conversation "${r.dialogueId}" by "${r.rater}" has no entry in the mapping or the live conversations`,
        location: `mapping.dialogues.${r.dialogueId}`
      })
    }
    replyRatings.push({ ...r, model })
    const base = { rater: r.rater, model, cluster: r.dialogueId, unit: `${r.dialogueId}\u0000${r.turn}` }
    const entered: Array<number> = []
    for (const d of REPLY_DIMENSIONS) {
      const v = r[d]
      if (v === null) continue
      entered.push(v)
      dialogueRows[d].push({ ...base, value: v })
    }
    if (entered.length > 0) dialogueRows.overall.push({ ...base, value: mean(entered) })
  }
  const conversationIds = [...kit.dialogues.map((d) => d.id), ...input.liveDialogues.map((d) => d.id)]
  const conversationModel = new Map<string, string>([
    ...kit.dialogues.map((d) => [d.id, mapping.dialogues[d.id]!] as const),
    ...input.liveDialogues.map((d) => [d.id, d.model] as const)
  ])
  const dialogueModels = [...new Set(conversationModel.values())]
  const dims = [...REPLY_DIMENSIONS, "overall"] as const
  const dialoguePerModel: Array<DialogueModelSummary> = dialogueModels.map((model) => {
    const clusters = conversationIds.filter((id) => conversationModel.get(id) === model)
    const summaries = Object.fromEntries(
      dims.map((d) => [d, summarise(dialogueRows[d].filter((r) => r.model === model), clusters, resamples, seed)])
    ) as unknown as DimensionSummaries
    const rated = new Set(dialogueRows.overall.filter((r) => r.model === model).map((r) => `${r.rater}\u0000${r.unit}`))
    return { model, conversations: clusters.length, ratedReplies: rated.size, ...summaries }
  })
  const dialogueRaterKeys = [...new Set(dialogueRows.overall.map((r) => JSON.stringify([r.rater, r.model])))].sort()
  const dialoguePerRater: Array<DialogueRaterSummary> = dialogueRaterKeys.map((k) => {
    const [rater, model] = JSON.parse(k) as [string, string]
    const pick = (d: ReplyDimension | "overall") => {
      const vs = dialogueRows[d].filter((r) => r.rater === rater && r.model === model).map((r) => r.value)
      return vs.length === 0 ? null : mean(vs)
    }
    return {
      rater,
      model,
      ratedReplies: dialogueRows.overall.filter((r) => r.rater === rater && r.model === model).length,
      means: { accuracy: pick("accuracy"), doctorValue: pick("doctorValue"), patientSuitability: pick("patientSuitability"), overall: pick("overall") }
    }
  })

  const raters = [...new Set([...blindRows.map((r) => r.rater), ...dialogueRows.overall.map((r) => r.rater)])].sort()
  return {
    title: kit.title,
    models: mapping.models,
    raters,
    blind: {
      scale: [0, 10],
      questions: kit.questions.length,
      perModel,
      perRater: raterMeans(blindRows),
      pairwise: pairwiseOf(blindRows, blindModels, questionIds, resamples, seed),
      agreement: agreementOf(blindRows),
      ratings: answerRatings
    },
    dialogue: {
      scale: [1, 5],
      conversations: conversationIds.length,
      perModel: dialoguePerModel,
      perRater: dialoguePerRater,
      agreement: Object.fromEntries(dims.map((d) => [d, agreementOf(dialogueRows[d])])) as unknown as HumanEvalReport["dialogue"]["agreement"],
      ratings: replyRatings
    },
    bootstrap: { resamples, seed, level: 0.95 }
  }
}
