/**
 * The fail-closed check: after masking, scrubbing and rewriting, a record's texts are scanned again
 * with deliberately broad shapes. A hit means the masker missed something (or something it cannot
 * tell from an identifier survived), and the stage masks it or rejects the record — never passes it.
 */
import { findDates } from "./dates.js"
import { findChecksumIds } from "./idNumber.js"
import { findNames, residualNameRules } from "./names.js"

export const ResidualKinds = ["id_checksum", "digits", "email", "url", "ip", "date", "person"] as const
export type ResidualKind = (typeof ResidualKinds)[number]
export type ResidualCounts = Partial<Record<ResidualKind, number>>

export interface ResidualHit {
  readonly kind: ResidualKind
  readonly index: number
  readonly length: number
}

const SHAPES: ReadonlyArray<readonly [ResidualKind, RegExp]> = [
  // five or more digits in a row, or digit groups joined by spaces or dashes (a phone in pieces)
  ["digits", /\d{5,}|(?<![\d.])\d{2,4}(?:[\s-]\d{2,4}){2,}(?![\d.])/g],
  // bounded parts: an unbounded run before "@" makes a long text without one quadratic to scan
  ["email", /[^\s@＠，。；]{1,64}\s?[@＠]\s?[^\s@＠，。；]{1,255}\.[A-Za-z]{2,}/g],
  ["url", /(?:https?|ftp):\/\/\S+|www\.\S+|(?<![\w.])[A-Za-z0-9-]+\.(?:com|cn|net|org|edu|gov)(?![A-Za-z])/gi],
  ["ip", /(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])|(?<![\w:])[0-9A-Fa-f]{0,4}::[0-9A-Fa-f:]*(?![\w:])/g]
]

/** every residual hit in `text`, in order, overlapping hits merged into the first */
export const residualScan = (text: string): Array<ResidualHit> => {
  const hits: Array<ResidualHit> = []
  for (const [kind, re] of SHAPES) for (const m of text.matchAll(re)) hits.push({ kind, index: m.index!, length: m[0].length })
  for (const h of findChecksumIds(text)) hits.push({ kind: "id_checksum", ...h })
  // a full date (with a year) that was not made relative; month-day dates were relativised or are ranges
  for (const d of findDates(text)) if (d.year !== undefined) hits.push({ kind: "date", index: d.index, length: d.length })
  for (const h of findNames(text, residualNameRules)) hits.push({ kind: "person", ...h })
  hits.sort((a, b) => a.index - b.index || b.length - a.length)
  const merged: Array<ResidualHit> = []
  for (const h of hits) {
    const last = merged[merged.length - 1]
    if (last && h.index < last.index + last.length) continue
    merged.push(h)
  }
  return merged
}

/** what a residual hit becomes in "mask" mode */
export const residualToken = "[已屏蔽]"

export const maskResidual = (text: string, hits: ReadonlyArray<ResidualHit>): string => {
  let out = ""
  let pos = 0
  for (const h of hits) {
    out += text.slice(pos, h.index) + residualToken
    pos = h.index + h.length
  }
  return out + text.slice(pos)
}
