/**
 * ChatGLM ptuning `compute_metrics` (THUDM/ChatGLM-6B and ChatGLM2-6B `ptuning/main.py`):
 * per pair, ROUGE-1/2/L F on jieba words (rouge_chinese) and character BLEU-4 (nltk, method3),
 * each appended as `round(v * 100, 4)`; the report is `float(np.mean(list))` per key.
 *
 * An empty or whitespace-only prediction makes rouge_chinese raise, which aborts ChatGLM's script.
 * Two conventions are therefore reported:
 * - `emptyAsZero`: LLaMA-Factory's guard — ROUGE is 0.0 for such a pair, BLEU as computed (0);
 *   averaged over all pairs.
 * - `skipRaising`: averages over the pairs where rouge_chinese does not raise (what ChatGLM reports
 *   when no such pair is present).
 */
import { jiebaCut } from "./jieba/segmenter.js"
import { nltkCharBleu4 } from "./nltkBleu.js"
import { npMean, pyRound } from "./numeric.js"
import { rougeChinese, RougeChineseError } from "./rougeChinese.js"

export interface ChatglmPairScores {
  /** `round(v*100, 4)`; null for ROUGE where rouge_chinese raises */
  readonly "rouge-1": number | null
  readonly "rouge-2": number | null
  readonly "rouge-l": number | null
  readonly "bleu-4": number
  /** the exception rouge_chinese raises, e.g. "ValueError: Hypothesis is empty." */
  readonly error: string | null
}

export interface ChatglmAverages {
  readonly "rouge-1": number
  readonly "rouge-2": number
  readonly "rouge-l": number
  readonly "bleu-4": number
  readonly n: number
}

export interface ChatglmReport {
  readonly emptyAsZero: ChatglmAverages
  readonly skipRaising: ChatglmAverages
  /** indices of pairs where rouge_chinese raises */
  readonly raisingPairs: ReadonlyArray<number>
}

/** per-pair ChatGLM scores from already segmented texts */
export const chatglmPairFromTokens = (
  prediction: string,
  reference: string,
  hypTokens: ReadonlyArray<string>,
  refTokens: ReadonlyArray<string>
): ChatglmPairScores => {
  const bleu = pyRound(nltkCharBleu4(prediction, reference) * 100, 4)
  try {
    const s = rougeChinese(hypTokens, refTokens)
    return {
      "rouge-1": pyRound(s["rouge-1"].f * 100, 4),
      "rouge-2": pyRound(s["rouge-2"].f * 100, 4),
      "rouge-l": pyRound(s["rouge-l"].f * 100, 4),
      "bleu-4": bleu,
      error: null
    }
  } catch (e) {
    if (!(e instanceof RougeChineseError)) throw e
    return { "rouge-1": null, "rouge-2": null, "rouge-l": null, "bleu-4": bleu, error: `ValueError: ${e.message}` }
  }
}

/** per-pair ChatGLM scores, segmenting both sides with jieba 0.42.1 */
export const chatglmPair = (prediction: string, reference: string): ChatglmPairScores =>
  chatglmPairFromTokens(prediction, reference, jiebaCut(prediction), jiebaCut(reference))

const KEYS = ["rouge-1", "rouge-2", "rouge-l", "bleu-4"] as const

export const chatglmAggregate = (pairs: ReadonlyArray<ChatglmPairScores>): ChatglmReport => {
  const raisingPairs = pairs.flatMap((p, i) => (p.error === null ? [] : [i]))
  const kept = pairs.filter((p) => p.error === null)
  const avg = (rows: ReadonlyArray<ChatglmPairScores>): ChatglmAverages => {
    const out: Record<string, number> = { n: rows.length }
    for (const k of KEYS) out[k] = npMean(rows.map((r) => r[k] ?? 0))
    return out as unknown as ChatglmAverages
  }
  return { emptyAsZero: avg(pairs), skipRaising: avg(kept), raisingPairs }
}
