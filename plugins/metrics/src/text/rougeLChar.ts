/**
 * Character ROUGE-L F1: google-research rouge-score's `_score_lcs` + `scoring.fmeasure` applied to
 * characters, with no word segmentation (works for any language).
 *
 * - Units: Unicode code points with whitespace removed; no lowercasing, no NFKC (`，` ≠ `,`).
 * - Either side without units → P = R = F = 0.
 * - P = lcs/|hyp|, R = lcs/|ref|, F = ((2·P)·R)/(P+R), 0 when P+R = 0 (no 1e-8: identical → 1).
 */
import { lcsLength } from "./lcs.js"
import { isPySpace } from "./pythonText.js"

export interface RougeLCharDetail {
  readonly p: number
  readonly r: number
  readonly f: number
  readonly hypLen: number
  readonly refLen: number
  readonly lcs: number
}

const units = (s: string): Array<number> => {
  const out: Array<number> = []
  for (const ch of s) if (!isPySpace(ch)) out.push(ch.codePointAt(0)!)
  return out
}

export const rougeLCharDetail = (prediction: string, reference: string): RougeLCharDetail => {
  const h = units(prediction)
  const r = units(reference)
  if (h.length === 0 || r.length === 0) return { p: 0, r: 0, f: 0, hypLen: h.length, refLen: r.length, lcs: 0 }
  const lcs = lcsLength(h, r)
  const p = lcs / h.length
  const rec = lcs / r.length
  const f = p + rec === 0 ? 0 : (2 * p * rec) / (p + rec)
  return { p, r: rec, f, hypLen: h.length, refLen: r.length, lcs }
}

/** character ROUGE-L F1 in [0, 1] */
export const rougeLChar = (prediction: string, reference: string): number => rougeLCharDetail(prediction, reference).f
