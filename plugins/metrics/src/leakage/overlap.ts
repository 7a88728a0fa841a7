/**
 * Overlap between evaluation items and training data, exact and after normalisation
 * (`normalizeText` of @zaoji/data: NFKC — full-width → half-width —, lower case, white space,
 * punctuation and symbols removed; the normalisation `datasets.merge` dedupes with).
 *
 * Training data is read as *units*: a QA row (`question` and `answer` strings) is a pair; any other
 * row (a corpus document `{ id, text }`, a knowledge-graph entry, a dialogue) is a text made of its
 * `text` field, else of all its strings. An evaluation item overlaps a unit when:
 *
 * - a QA item (held-out pair, subjective question with its reference) and a training pair: same
 *   question and same answer;
 * - a QA item and a text: the text contains both the question and the answer;
 * - an exam question and any unit (a pair's question and answer taken together): the unit contains
 *   the stem and the text of every option — a question copied into training data in any layout.
 *
 * "exact" compares the texts as they are, "normalised" after normalisation; an item counts as
 * overlapping when it matches at either level (so the normalised count includes the exact one).
 */
import { normalizeText } from "@zaoji/data"

export interface TrainingUnit {
  /** 1-based line of the row in its file */
  readonly line: number
  readonly id?: string
  /** a QA pair's fields (absent for texts) */
  readonly question?: string
  readonly answer?: string
  /** everything the row holds, for containment */
  readonly text: string
}

/** one evaluation item, as the checks see it */
export type EvalItem =
  | { readonly kind: "qa"; readonly id: string; readonly question: string; readonly answer: string }
  | { readonly kind: "exam"; readonly id: string; readonly stem: string; readonly options: ReadonlyArray<string> }

export interface UnitMatch {
  readonly level: "exact" | "normalised"
  readonly line: number
  readonly id?: string
}

const strings = (v: unknown, key: string, out: Array<string>): void => {
  if (typeof v === "string") {
    if (key !== "id" && !key.endsWith("_id") && v.trim() !== "") out.push(v)
  } else if (Array.isArray(v)) v.forEach((x) => strings(x, key, out))
  else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) strings(x, k, out)
}

/** a training row as a unit (undefined when it holds no text) */
export const unitOf = (row: unknown, line: number): TrainingUnit | undefined => {
  const r = (row ?? {}) as Record<string, unknown>
  const id = typeof r.id === "string" ? r.id : undefined
  if (typeof r.question === "string" && typeof r.answer === "string") {
    const history: Array<string> = []
    strings(r.history, "history", history)
    return { line, ...(id !== undefined ? { id } : {}), question: r.question, answer: r.answer, text: [...history, r.question, r.answer].join("\n") }
  }
  const parts: Array<string> = []
  if (typeof r.text === "string") parts.push(r.text)
  else strings(row, "", parts)
  return parts.length > 0 ? { line, ...(id !== undefined ? { id } : {}), text: parts.join("\n") } : undefined
}

const SEP = "\u0000"
const pairKey = (q: string, a: string) => `${q}${SEP}${a}`

/** the units of one text level (raw or normalised) laid end to end, for substring search */
interface Haystack {
  readonly text: string
  /** start offset of each unit in `text` */
  readonly starts: ReadonlyArray<number>
}

const haystack = (texts: ReadonlyArray<string>): Haystack => {
  const starts: Array<number> = []
  let at = 0
  for (const t of texts) {
    starts.push(at)
    at += t.length + 1
  }
  return { text: texts.join(SEP), starts }
}

/** index of the unit holding offset `pos` (binary search over the start offsets) */
const unitAt = (h: Haystack, pos: number): number => {
  let lo = 0
  let hi = h.starts.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (h.starts[mid]! <= pos) lo = mid
    else hi = mid - 1
  }
  return lo
}

/**
 * The first unit containing every part: occurrences of the longest part (the most selective) are
 * found in the joined text; each is checked for the others within its own unit.
 */
const firstContaining = (h: Haystack, unitTexts: ReadonlyArray<string>, parts: ReadonlyArray<string>): number | undefined => {
  const needles = parts.filter((p) => p !== "" && !p.includes(SEP))
  if (needles.length === 0) return undefined
  const [longest, ...rest] = [...needles].sort((a, b) => b.length - a.length)
  for (let pos = h.text.indexOf(longest!); pos >= 0; pos = h.text.indexOf(longest!, pos + 1)) {
    const u = unitAt(h, pos)
    const unit = unitTexts[u]!
    if (rest.every((p) => unit.includes(p))) return u
    // the next occurrence in another unit: skip the rest of this one
    const next = h.starts[u + 1]
    if (next === undefined) break
    pos = next - 1
  }
  return undefined
}

/** the units of one training file, indexed for every check */
export class UnitIndex {
  private readonly exactPairs = new Map<string, number>()
  private readonly normPairs = new Map<string, number>()
  private readonly rawTexts: ReadonlyArray<string>
  private readonly normTexts: ReadonlyArray<string>
  private readonly raw: Haystack
  private readonly norm: Haystack
  /** which units are texts (for QA items, pairs are matched as pairs only) */
  private readonly textUnits: ReadonlyArray<number>
  private readonly rawTextOnly: { readonly h: Haystack; readonly texts: ReadonlyArray<string> }
  private readonly normTextOnly: { readonly h: Haystack; readonly texts: ReadonlyArray<string> }

  constructor(readonly units: ReadonlyArray<TrainingUnit>) {
    units.forEach((u, i) => {
      if (u.question === undefined || u.answer === undefined) return
      const ek = pairKey(u.question, u.answer)
      if (!this.exactPairs.has(ek)) this.exactPairs.set(ek, i)
      const nk = pairKey(normalizeText(u.question), normalizeText(u.answer))
      if (!this.normPairs.has(nk)) this.normPairs.set(nk, i)
    })
    this.rawTexts = units.map((u) => u.text)
    this.normTexts = units.map((u) => normalizeText(u.text))
    this.raw = haystack(this.rawTexts)
    this.norm = haystack(this.normTexts)
    this.textUnits = units.flatMap((u, i) => (u.question === undefined ? [i] : []))
    const only = (texts: ReadonlyArray<string>) => {
      const picked = this.textUnits.map((i) => texts[i]!)
      return { h: haystack(picked), texts: picked }
    }
    this.rawTextOnly = only(this.rawTexts)
    this.normTextOnly = only(this.normTexts)
  }

  private match(i: number | undefined, level: UnitMatch["level"]): UnitMatch | undefined {
    if (i === undefined) return undefined
    const u = this.units[i]!
    return { level, line: u.line, ...(u.id !== undefined ? { id: u.id } : {}) }
  }

  private inTexts(only: { readonly h: Haystack; readonly texts: ReadonlyArray<string> }, parts: ReadonlyArray<string>): number | undefined {
    const local = firstContaining(only.h, only.texts, parts)
    return local === undefined ? undefined : this.textUnits[local]
  }

  /** the first unit the item overlaps, exact matches first */
  find(item: EvalItem): UnitMatch | undefined {
    if (item.kind === "qa") {
      const rawParts = [item.question, item.answer]
      const normParts = rawParts.map(normalizeText)
      // a pair that normalises to nothing (punctuation only) cannot be compared after normalisation
      const normalisable = normParts.some((p) => p !== "")
      return (
        this.match(this.exactPairs.get(pairKey(item.question, item.answer)) ?? this.inTexts(this.rawTextOnly, rawParts), "exact") ??
        (normalisable
          ? this.match(this.normPairs.get(pairKey(normParts[0]!, normParts[1]!)) ?? this.inTexts(this.normTextOnly, normParts), "normalised")
          : undefined)
      )
    }
    const rawParts = [item.stem, ...item.options]
    return (
      this.match(firstContaining(this.raw, this.rawTexts, rawParts), "exact") ??
      this.match(firstContaining(this.norm, this.normTexts, rawParts.map(normalizeText)), "normalised")
    )
  }
}
