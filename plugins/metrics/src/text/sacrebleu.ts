/**
 * sacrebleu 2.6.0 corpus BLEU, `BLEU(tokenize='zh')` defaults: smooth 'exp', no lowercasing,
 * effective order off, max n-gram order 4, one reference per segment.
 * Signature: `nrefs:1|case:mixed|eff:no|tok:zh|smooth:exp|version:2.6.0`.
 *
 * Tokenisation (`TokenizerZh`):
 * 1. `s.rstrip().strip()` (Python whitespace).
 * 2. Surround every code point in the effective Chinese ranges with spaces. Two of sacrebleu's
 *    ranges are written as two-character strings (`u'\u20000'`), so in effect they are
 *    U+2001–U+2A6D and U+2F81–U+2FA1, which also split `… — “ ” ℃ ≥ →` and friends; the real CJK
 *    Extension B plane is not split.
 * 3. The 13a-style regexes, in order: ASCII punctuation `{|}~[\]^_\` !"#$%&()*+:;<=>?@/` and space
 *    get spaces around them; `.`/`,` after a non-digit and before a non-digit are split off; `-`
 *    after a digit is split off.
 * 4. Split on whitespace.
 *
 * Statistics and score: per segment, `correct_n += Σ min(count_hyp, count_ref)`,
 * `total_n += Σ count_hyp`; BP = exp(1 − ref_len/sys_len) if sys_len < ref_len (0 if sys_len = 0)
 * else 1; if every correct_n is 0 the score is 0; otherwise walking n = 1..4 with m = 1: stop when
 * total_n = 0 (remaining precisions 0), a zero correct_n gives m *= 2 and p_n = 100/(m·total_n),
 * else p_n = 100·correct_n/total_n; score = BP·exp(Σ log p_n / 4) with log 0 := −9999999999.
 */
import { clippedMatches, sharedIds } from "./ngrams.js"
import { pySplit, pyStrip, pyRstrip } from "./pythonText.js"

export const SACREBLEU_ZH_SIGNATURE = "nrefs:1|case:mixed|eff:no|tok:zh|smooth:exp|version:2.6.0"

/** sacrebleu's `_UCODE_RANGES` as they behave (see above), inclusive code point bounds */
export const ZH_CHAR_RANGES_EFFECTIVE: ReadonlyArray<readonly [number, number]> = [
  [0x3400, 0x4db5], [0x4e00, 0x9fa5], [0x9fa6, 0x9fbb], [0xf900, 0xfa2d], [0xfa30, 0xfa6a],
  [0xfa70, 0xfad9], [0x2001, 0x2a6d], [0x2f81, 0x2fa1], [0xff00, 0xffef], [0x2e80, 0x2eff],
  [0x3000, 0x303f], [0x31c0, 0x31ef], [0x2f00, 0x2fdf], [0x2ff0, 0x2fff], [0x3100, 0x312f],
  [0x31a0, 0x31bf], [0xfe10, 0xfe1f], [0xfe30, 0xfe4f], [0x2600, 0x26ff], [0x2700, 0x27bf],
  [0x3200, 0x32ff], [0x3300, 0x33ff]
]

// every effective range lies in the BMP: one lookup table
const ZH_TABLE = (() => {
  const t = new Uint8Array(0x10000)
  for (const [lo, hi] of ZH_CHAR_RANGES_EFFECTIVE) t.fill(1, lo, hi + 1)
  return t
})()
const isZhChar = (cp: number): boolean => cp < 0x10000 && ZH_TABLE[cp] === 1

// the first 13a regex, ([\{-\~\[-\` -\&\(-\+\:-\@\/]) → " \1 ", puts spaces around single ASCII
// characters regardless of context, as the Chinese-character step does; both are done in one pass
const PUNCT_TABLE = (() => {
  const t = new Uint8Array(128)
  const ranges: Array<[string, string]> = [["{", "~"], ["[", "`"], [" ", "&"], ["(", "+"], [":", "@"], ["/", "/"]]
  for (const [lo, hi] of ranges) t.fill(1, lo.charCodeAt(0), hi.charCodeAt(0) + 1)
  return t
})()
// ASCII-only classes: without the u flag a surrogate pair is never split in a way that changes the output
const RE_PERIOD_COMMA_AFTER = /([^0-9])([\.,])/g
const RE_PERIOD_COMMA_BEFORE = /([\.,])([^0-9])/g
const RE_DASH = /([0-9])(-)/g

/** sacrebleu 2.6.0 `TokenizerZh` followed by whitespace splitting */
export const sacrebleuZhTokens = (segment: string): Array<string> => {
  const s = pyStrip(pyRstrip(segment))
  const parts: Array<string> = []
  for (const ch of s) {
    const cp = ch.codePointAt(0)!
    parts.push(isZhChar(cp) || (cp < 128 && PUNCT_TABLE[cp] === 1) ? " " + ch + " " : ch)
  }
  let out = parts.join("")
  // the context-dependent regexes only act where these characters occur
  if (out.includes(".") || out.includes(",")) out = out.replace(RE_PERIOD_COMMA_AFTER, "$1 $2 ").replace(RE_PERIOD_COMMA_BEFORE, " $1 $2")
  if (out.includes("-")) out = out.replace(RE_DASH, "$1 $2 ")
  return pySplit(out)
}

export interface SegmentStats {
  readonly hypTokens: ReadonlyArray<string>
  readonly refTokens: ReadonlyArray<string>
  readonly correct: ReadonlyArray<number>
  readonly total: ReadonlyArray<number>
}

export const sacrebleuSegmentStats = (prediction: string, reference: string): SegmentStats => {
  const hypTokens = sacrebleuZhTokens(prediction)
  const refTokens = sacrebleuZhTokens(reference)
  const { a: h, b: r, size } = sharedIds(hypTokens, refTokens)
  const correct: Array<number> = []
  const total: Array<number> = []
  for (let n = 1; n <= 4; n++) {
    const { matched, total: t } = clippedMatches(h, r, n, size)
    correct.push(matched)
    total.push(t)
  }
  return { hypTokens, refTokens, correct, total }
}

export interface CorpusBleu {
  readonly score: number
  readonly precisions: ReadonlyArray<number>
  readonly bp: number
  readonly sysLen: number
  readonly refLen: number
  readonly ratio: number
  readonly counts: ReadonlyArray<number>
  readonly totals: ReadonlyArray<number>
  readonly signature: string
}

/** BLEU from accumulated statistics (sacrebleu's `_compute_score_from_stats` with smooth 'exp') */
export const sacrebleuScoreFromStats = (
  counts: ReadonlyArray<number>,
  totals: ReadonlyArray<number>,
  sysLen: number,
  refLen: number
): CorpusBleu => {
  const bp = sysLen < refLen ? (sysLen === 0 ? 0 : Math.exp(1 - refLen / sysLen)) : 1
  const ratio = refLen > 0 ? sysLen / refLen : 0
  const precisions = [0, 0, 0, 0]
  const base = { bp, sysLen, refLen, ratio, counts, totals, signature: SACREBLEU_ZH_SIGNATURE }
  if (counts.every((c) => c === 0)) return { score: 0, precisions, ...base }
  let m = 1
  for (let n = 0; n < 4; n++) {
    if (totals[n] === 0) break
    if (counts[n] === 0) {
      m *= 2
      precisions[n] = 100 / (m * totals[n])
    } else precisions[n] = (100 * counts[n]) / totals[n]
  }
  const logSum = precisions.reduce((acc, p) => acc + (p === 0 ? -9999999999 : Math.log(p)), 0)
  return { score: bp * Math.exp(logSum / 4), precisions, ...base }
}

/** `BLEU(tokenize='zh').corpus_score(predictions, [references])` */
export const sacrebleuZhCorpus = (predictions: ReadonlyArray<string>, references: ReadonlyArray<string>): CorpusBleu => {
  if (predictions.length !== references.length)
    throw new Error(`sacrebleu: ${predictions.length} predictions but ${references.length} references`)
  const counts = [0, 0, 0, 0]
  const totals = [0, 0, 0, 0]
  let sysLen = 0
  let refLen = 0
  for (let i = 0; i < predictions.length; i++) {
    const st = sacrebleuSegmentStats(predictions[i], references[i])
    for (let n = 0; n < 4; n++) {
      counts[n] += st.correct[n]
      totals[n] += st.total[n]
    }
    sysLen += st.hypTokens.length
    refLen += st.refTokens.length
  }
  return sacrebleuScoreFromStats(counts, totals, sysLen, refLen)
}
