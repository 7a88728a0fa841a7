/**
 * All text metrics of a set of (prediction, reference) pairs, as the report shows them:
 * ChatGLM's ROUGE/BLEU (both empty-prediction conventions), sacreBLEU zh and character ROUGE-L,
 * with seeded bootstrap 95% intervals when asked: pairs are resampled with replacement; the
 * per-pair metrics are averaged over each resample, sacreBLEU is recomputed from the resampled
 * pairs' n-gram statistics (it is a corpus-level score, not a mean).
 */
import { bootstrapIntervals, type Interval } from "../exam/bootstrap.js"
import { chatglmAggregate, chatglmPair, type ChatglmPairScores, type ChatglmReport } from "./chatglm.js"
import { rougeLChar } from "./rougeLChar.js"
import { sacrebleuScoreFromStats, sacrebleuSegmentStats, sacrebleuZhCorpus, type CorpusBleu } from "./sacrebleu.js"

/** metric ids of a QA set, as in metrics.json after the set prefix (`qa.`, `general_qa.`) */
export const QA_KEYS = ["rouge-1", "rouge-2", "rouge-l", "bleu-4"] as const
export type QaIntervalId = `chatglm.${(typeof QA_KEYS)[number]}` | `chatglm_skip.${(typeof QA_KEYS)[number]}` | "sacrebleu_zh" | "rougeL_char"

export interface QaMetrics {
  readonly n: number
  readonly chatglm: ChatglmReport
  readonly sacrebleu: CorpusBleu
  /** mean character ROUGE-L F1 in [0, 1] */
  readonly rougeLChar: number
  /** bootstrap 95% intervals by metric id (when a bootstrap was asked for) */
  readonly ci?: Readonly<Partial<Record<QaIntervalId, Interval>>>
}

export interface QaBootstrap {
  readonly resamples: number
  readonly seed: number
}

const meanOver = (values: ArrayLike<number>) => (idx: Int32Array): number => {
  let s = 0
  for (let j = 0; j < idx.length; j++) s += values[idx[j]!]!
  return s / idx.length
}

/** the mean over drawn pairs where rouge_chinese does not raise (NaN when none is drawn) */
const meanSkipping = (values: ArrayLike<number>, raises: Uint8Array) => (idx: Int32Array): number => {
  let s = 0
  let k = 0
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j]!
    if (raises[i] === 1) continue
    s += values[i]!
    k++
  }
  return k === 0 ? NaN : s / k
}

const intervals = (predictions: ReadonlyArray<string>, references: ReadonlyArray<string>, pairs: ReadonlyArray<ChatglmPairScores>, rl: ReadonlyArray<number>, boot: QaBootstrap) => {
  const n = pairs.length
  const raises = Uint8Array.from(pairs, (p) => (p.error === null ? 0 : 1))
  const stats: Record<string, (idx: Int32Array) => number> = {}
  for (const k of QA_KEYS) {
    const v = Float64Array.from(pairs, (p) => p[k] ?? 0)
    stats[`chatglm.${k}`] = meanOver(v)
    stats[`chatglm_skip.${k}`] = meanSkipping(v, raises)
  }
  stats["rougeL_char"] = meanOver(Float64Array.from(rl))
  const seg = predictions.map((p, i) => sacrebleuSegmentStats(p, references[i]!))
  stats["sacrebleu_zh"] = (idx) => {
    const counts = [0, 0, 0, 0]
    const totals = [0, 0, 0, 0]
    let sys = 0
    let ref = 0
    for (let j = 0; j < idx.length; j++) {
      const st = seg[idx[j]!]!
      for (let m = 0; m < 4; m++) {
        counts[m]! += st.correct[m]!
        totals[m]! += st.total[m]!
      }
      sys += st.hypTokens.length
      ref += st.refTokens.length
    }
    return sacrebleuScoreFromStats(counts, totals, sys, ref).score
  }
  return bootstrapIntervals(n, stats, { resamples: boot.resamples, seed: boot.seed }) as Partial<Record<QaIntervalId, Interval>>
}

export const qaMetrics = (predictions: ReadonlyArray<string>, references: ReadonlyArray<string>, bootstrap?: QaBootstrap): QaMetrics => {
  if (predictions.length !== references.length)
    throw new Error(`${predictions.length} predictions but ${references.length} references`)
  const pairs = predictions.map((p, i) => chatglmPair(p, references[i]))
  const rl = predictions.map((p, i) => rougeLChar(p, references[i]))
  const chatglm = chatglmAggregate(pairs)
  return {
    n: predictions.length,
    chatglm,
    sacrebleu: sacrebleuZhCorpus(predictions, references),
    rougeLChar: rl.length === 0 ? NaN : rl.reduce((a, b) => a + b, 0) / rl.length,
    ...(bootstrap !== undefined && predictions.length > 0 ? { ci: intervals(predictions, references, pairs, rl, bootstrap) } : {})
  }
}
