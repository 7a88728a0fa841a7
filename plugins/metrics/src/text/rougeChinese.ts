/**
 * ROUGE-1/2/L F as `rouge_chinese` 1.0.3 (`Rouge()` defaults, `exclusive=True`) computes them on
 * `' '.join(jieba tokens)` of each side — the ROUGE of ChatGLM's ptuning `compute_metrics`.
 *
 * 1. `cut_sent`: insert `\n` after sentence-final punctuation by four regex substitutions (below),
 *    `rstrip()`, split on `\n`.
 * 2. Keep pieces with length > 0 (tested before whitespace is collapsed), then collapse each piece's
 *    whitespace with `" ".join(piece.split())`. No piece left → `ValueError("Hypothesis is empty.")`
 *    (or "Reference is empty."; the hypothesis is checked first).
 * 3. Words = concatenation of `piece.split(" ")`; a whitespace-only piece yields one `""` word, which
 *    counts like any other word.
 * 4. ROUGE-N (n = 1, 2): sets of distinct n-grams over the flat word list; P = |H∩R|/|H|,
 *    R = |H∩R|/|R| (0 for empty sets), F = 2·((P·R)/(P+R+1e-8)).
 * 5. ROUGE-L: one LCS over the two flat word lists; P = lcs/|hyp|, R = lcs/|ref|, same F.
 *    Identical texts give F = 0.999999995.
 */
import { lcsLength } from "./lcs.js"
import { distinctOverlap, sharedIds } from "./ngrams.js"
import { pyRstrip, pySplit } from "./pythonText.js"

export class RougeChineseError extends Error {
  constructor(readonly side: "Hypothesis" | "Reference") {
    super(`${side} is empty.`)
    this.name = "ValueError"
  }
}

// rouge_chinese's cut_sent substitutions, applied in order (Python re.sub: global, non-overlapping)
const CUT_SENT: ReadonlyArray<RegExp> = [
  /([。！？?])([^”’])/gu,
  /(\.{6})([^”’])/gu,
  /(…{2})([^”’])/gu,
  /([。！？?][”’])([^，。！？?])/gu
]

export const cutSent = (para: string): Array<string> => {
  let p = para
  for (const re of CUT_SENT) p = p.replace(re, "$1\n$2")
  return pyRstrip(p).split("\n")
}

/** rouge_chinese's preprocessing of one side into its flat word list (throws when empty) */
export const rougeChineseWords = (text: string, side: "Hypothesis" | "Reference"): Array<string> => {
  const words: Array<string> = []
  let pieces = 0
  for (const piece of cutSent(text)) {
    if (piece.length === 0) continue
    pieces++
    // " ".join(piece.split()).split(" "): the piece's words, or one "" for a whitespace-only piece
    const ws = pySplit(piece)
    if (ws.length === 0) words.push("")
    else for (const w of ws) words.push(w)
  }
  if (pieces === 0) throw new RougeChineseError(side)
  return words
}

export interface PRF {
  readonly p: number
  readonly r: number
  readonly f: number
}

/** rouge_chinese's F formula, evaluated in its order: 2.0 * ((P * R) / (P + R + 1e-8)) */
const f1 = (p: number, r: number): number => 2.0 * ((p * r) / (p + r + 1e-8))

export interface RougeNDetail extends PRF {
  readonly hypNgrams: number
  readonly refNgrams: number
  readonly overlap: number
}

export interface RougeLDetail extends PRF {
  readonly hypWords: number
  readonly refWords: number
  readonly lcs: number
}

export interface RougeChineseScores {
  readonly hypWords: ReadonlyArray<string>
  readonly refWords: ReadonlyArray<string>
  readonly "rouge-1": RougeNDetail
  readonly "rouge-2": RougeNDetail
  readonly "rouge-l": RougeLDetail
}

const rougeN = (hyp: Int32Array, ref: Int32Array, n: number, size: number): RougeNDetail => {
  const d = distinctOverlap(hyp, ref, n, size)
  const p = d.hyp === 0 ? 0 : d.overlap / d.hyp
  const rec = d.ref === 0 ? 0 : d.overlap / d.ref
  return { p, r: rec, f: f1(p, rec), hypNgrams: d.hyp, refNgrams: d.ref, overlap: d.overlap }
}

/**
 * `Rouge().get_scores(' '.join(hypTokens), ' '.join(refTokens))[0]` with per-metric details.
 * Throws `RougeChineseError` exactly where rouge_chinese raises.
 */
export const rougeChinese = (hypTokens: ReadonlyArray<string>, refTokens: ReadonlyArray<string>): RougeChineseScores => {
  const hypWords = rougeChineseWords(hypTokens.join(" "), "Hypothesis")
  const refWords = rougeChineseWords(refTokens.join(" "), "Reference")
  const { a: h, b: r, size } = sharedIds(hypWords, refWords)
  const lcs = lcsLength(h, r)
  const p = lcs / h.length
  const rec = lcs / r.length
  return {
    hypWords,
    refWords,
    "rouge-1": rougeN(h, r, 1, size),
    "rouge-2": rougeN(h, r, 2, size),
    "rouge-l": { p, r: rec, f: f1(p, rec), hypWords: h.length, refWords: r.length, lcs }
  }
}
