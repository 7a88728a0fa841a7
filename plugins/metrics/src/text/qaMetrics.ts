/**
 * All text metrics of a set of (prediction, reference) pairs, as the report shows them:
 * ChatGLM's ROUGE/BLEU (both empty-prediction conventions), sacreBLEU zh and character ROUGE-L.
 */
import { chatglmAggregate, chatglmPair, type ChatglmReport } from "./chatglm.js"
import { rougeLChar } from "./rougeLChar.js"
import { sacrebleuZhCorpus, type CorpusBleu } from "./sacrebleu.js"

export interface QaMetrics {
  readonly n: number
  readonly chatglm: ChatglmReport
  readonly sacrebleu: CorpusBleu
  /** mean character ROUGE-L F1 in [0, 1] */
  readonly rougeLChar: number
}

export const qaMetrics = (predictions: ReadonlyArray<string>, references: ReadonlyArray<string>): QaMetrics => {
  if (predictions.length !== references.length)
    throw new Error(`${predictions.length} predictions but ${references.length} references`)
  const pairs = predictions.map((p, i) => chatglmPair(p, references[i]))
  const rl = predictions.map((p, i) => rougeLChar(p, references[i]))
  return {
    n: predictions.length,
    chatglm: chatglmAggregate(pairs),
    sacrebleu: sacrebleuZhCorpus(predictions, references),
    rougeLChar: rl.length === 0 ? NaN : rl.reduce((a, b) => a + b, 0) / rl.length
  }
}
