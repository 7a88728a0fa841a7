/**
 * Sentence BLEU-4 as ChatGLM's ptuning `compute_metrics` calls it:
 * `nltk.translate.bleu_score.sentence_bleu([list(reference)], list(prediction),
 *  smoothing_function=SmoothingFunction().method3)` (nltk 3.8; identical in 3.10).
 *
 * - Tokens are Unicode code points (`list(text)`), whitespace included.
 * - For n = 1..4: `num_n = Σ_g min(count_hyp(g), count_ref(g))`, `den_n = max(1, Σ_g count_hyp(g))`.
 * - If `num_1 = 0` the score is 0 (before smoothing and brevity penalty).
 * - method3 (NIST geometric sequence smoothing): walking n = 1..4 with k = 1, a zero `num_n` gives
 *   `p_n = 1 / (2^k · den_n)` and k += 1; otherwise `p_n = num_n / den_n`.
 * - Brevity penalty with c = hyp length, r = ref length: 1 if c > r, 0 if c = 0, else exp(1 − r/c).
 * - BLEU = BP · exp(fsum(0.25 · ln p_n)).
 */
import { clippedMatches } from "./ngrams.js"
import { fsum } from "./numeric.js"

export interface NltkBleuDetail {
  readonly bleu: number
  readonly hypLen: number
  readonly refLen: number
  readonly numerators: ReadonlyArray<number>
  readonly denominators: ReadonlyArray<number>
  readonly bp: number
}

const MAX_N = 4

// code point → pair-local id, through a table over all code points stamped per call (no maps)
const CP_ID = new Int32Array(0x110000)
const CP_STAMP = new Int32Array(0x110000)
let cpStamp = 0

const codePointIds = (a: string, b: string): { a: Int32Array; b: Int32Array; size: number } => {
  cpStamp++
  let size = 0
  const enc = (s: string) => {
    const out = new Int32Array(s.length)
    let n = 0
    for (let i = 0; i < s.length; i++) {
      const c = s.codePointAt(i)!
      if (c > 0xffff) i++
      if (CP_STAMP[c] !== cpStamp) {
        CP_STAMP[c] = cpStamp
        CP_ID[c] = size++
      }
      out[n++] = CP_ID[c]
    }
    return out.subarray(0, n)
  }
  const ea = enc(a)
  const eb = enc(b)
  return { a: ea, b: eb, size: Math.max(1, size) }
}

/** nltk's closest-reference brevity penalty for a single reference */
export const nltkBrevityPenalty = (refLen: number, hypLen: number): number =>
  hypLen > refLen ? 1 : hypLen === 0 ? 0 : Math.exp(1 - refLen / hypLen)

export const nltkCharBleu4Detail = (prediction: string, reference: string): NltkBleuDetail => {
  const { a: hyp, b: ref, size } = codePointIds(prediction, reference)
  const numerators: Array<number> = []
  const denominators: Array<number> = []
  for (let n = 1; n <= MAX_N; n++) {
    const { matched, total } = clippedMatches(hyp, ref, n, size)
    numerators.push(matched)
    denominators.push(Math.max(1, total))
  }
  const bp = nltkBrevityPenalty(ref.length, hyp.length)
  const base = { hypLen: hyp.length, refLen: ref.length, numerators, denominators, bp }
  if (numerators[0] === 0) return { bleu: 0, ...base }
  let k = 1
  const logs: Array<number> = []
  for (let n = 0; n < MAX_N; n++) {
    let p: number
    if (numerators[n] === 0) {
      p = 1 / (2 ** k * denominators[n])
      k++
    } else p = numerators[n] / denominators[n]
    logs.push(0.25 * Math.log(p))
  }
  return { bleu: bp * Math.exp(fsum(logs)), ...base }
}

/** character BLEU-4 with nltk smoothing method3, in [0, 1] */
export const nltkCharBleu4 = (prediction: string, reference: string): number =>
  nltkCharBleu4Detail(prediction, reference).bleu
