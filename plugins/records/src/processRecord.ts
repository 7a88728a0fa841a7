/**
 * One record through the whole pipeline: structure → de-identify → relative dates → numeric
 * scrubbing → term rewriting → residual scan (fail closed) → Q/A. Pure and synchronous; the stage
 * adds I/O around it.
 */
import type { ClinicalRecord } from "@zaoji/data"
import { type BuiltQa, type QaOptions, buildQa } from "./buildQa.js"
import { type DeidCounts, type DeidOptions, deidentify, relativizeDates } from "./deidentify.js"
import { type ResidualCounts, type ResidualHit, maskResidual, residualScan } from "./deid/residual.js"
import type { ScrubCounts } from "./scrub.js"
import type { SectionKey } from "./sections.js"
import { type StructuredRecord, structure } from "./structure.js"
import { defaultStrictness, type Strictness } from "./strictness.js"

export { Strictnesses, defaultStrictness, type Strictness } from "./strictness.js"

export interface Tools {
  readonly deid: DeidOptions & { readonly enabled: boolean; readonly strictness?: Strictness }
  readonly scrub: ((text: string, counts: ScrubCounts) => string) | undefined
  readonly terms: (text: string, counts: ScrubCounts) => string
  readonly qa: QaOptions
}

export interface Processed {
  readonly record: StructuredRecord
  readonly qa: BuiltQa
  readonly deid: DeidCounts
  readonly scrub: ScrubCounts
  /** residual-scan hits by kind (masked, or the reason for the rejection) */
  readonly residual: ResidualCounts
  /** set when the residual scan found something and strictness is "reject" */
  readonly privacyRejection: string | undefined
}

/** the reason a record rejected by the residual scan carries in rejected.jsonl */
export const residualRejectReason = "residual-identifier"

export const countResidual = (hits: ReadonlyArray<ResidualHit>, into: ResidualCounts = {}): ResidualCounts => {
  for (const h of hits) into[h.kind] = (into[h.kind] ?? 0) + 1
  return into
}

/** "digits 2, person 1": kinds only, never the text that was found */
export const describeResidual = (counts: ResidualCounts): string =>
  Object.entries(counts)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ")

/**
 * Run the residual scan over texts: in "mask" mode the hits are masked in place; in "reject" mode the
 * texts are returned unchanged with the hits counted, and the caller drops the record.
 */
export const failClosed = (texts: ReadonlyArray<string>, strictness: Strictness): { texts: Array<string>; residual: ResidualCounts } => {
  const residual: ResidualCounts = {}
  const out = texts.map((t) => {
    const hits = residualScan(t)
    if (hits.length === 0) return t
    countResidual(hits, residual)
    return strictness === "mask" ? maskResidual(t, hits) : t
  })
  return { texts: out, residual }
}

/** a short free text (a department, a heading, an id) de-identified and residual-masked */
export const sanitizeShort = (text: string, deid: DeidOptions = {}): string => {
  const counts: DeidCounts = {}
  const masked = relativizeDates([deidentify(text, counts, deid)], counts)[0]!
  return maskResidual(masked, residualScan(masked))
}

/** de-identify, relativise dates, scrub numbers, rewrite terms: the masking half, before the residual scan */
export const maskTexts = (texts: ReadonlyArray<string>, tools: Tools, deid: DeidCounts, scrub: ScrubCounts): Array<string> => {
  let out = [...texts]
  if (tools.deid.enabled) {
    out = out.map((t) => deidentify(t, deid, tools.deid))
    if (!tools.deid.skip?.includes("date")) out = relativizeDates(out, deid)
  }
  if (tools.scrub) out = out.map((t) => tools.scrub!(t, scrub))
  return out.map((t) => tools.terms(t, scrub))
}

export const processRecord = (raw: ClinicalRecord, tools: Tools): Processed => {
  const r = structure(raw)
  const deid: DeidCounts = {}
  const scrub: ScrubCounts = {}
  const keys = Object.keys(r.sections) as Array<SectionKey>
  const lists = { diagnoses: [...r.diagnoses], surgeries: [...r.surgeries], drugs: [...r.drugs], checks: [...r.checks] }
  const listKeys = Object.keys(lists) as Array<keyof typeof lists>
  // every text of the record in one array, so dates are made relative to one reference
  let texts = maskTexts([...keys.map((k) => r.sections[k]!), ...listKeys.flatMap((k) => lists[k]), r.department ?? ""], tools, deid, scrub)
  // fail closed: whatever still looks like an identifier is masked or the record is rejected
  let residual: ResidualCounts = {}
  let privacyRejection: string | undefined
  if (tools.deid.enabled) {
    const strictness = tools.deid.strictness ?? defaultStrictness
    const checked = failClosed(texts, strictness)
    texts = checked.texts
    residual = checked.residual
    if (strictness === "reject" && Object.keys(residual).length > 0) privacyRejection = `residual scan: ${describeResidual(residual)}`
  }
  const sections: Partial<Record<SectionKey, string>> = {}
  keys.forEach((k, i) => (sections[k] = texts[i]!))
  let at = keys.length
  const cleanLists = {} as Record<keyof typeof lists, Array<string>>
  for (const k of listKeys) {
    cleanLists[k] = texts.slice(at, at + lists[k].length).map((x) => x.trim()).filter((x) => x !== "")
    at += lists[k].length
  }
  const department = r.department === undefined ? undefined : texts[at]!
  const record: StructuredRecord = { ...r, department, sections, ...cleanLists }
  let qa = buildQa(record, tools.qa)
  // the pair puts the texts in new company (患者 + the complaint): it is scanned as written too
  if (qa.ok && tools.deid.enabled && privacyRejection === undefined) {
    const strictness = tools.deid.strictness ?? defaultStrictness
    const checked = failClosed([qa.question, qa.answer], strictness)
    if (Object.keys(checked.residual).length > 0) {
      for (const [k, n] of Object.entries(checked.residual)) residual[k as keyof ResidualCounts] = (residual[k as keyof ResidualCounts] ?? 0) + n
      if (strictness === "reject") privacyRejection = `residual scan of the pair: ${describeResidual(checked.residual)}`
      else qa = { ...qa, question: checked.texts[0]!, answer: checked.texts[1]! }
    }
  }
  return { record, qa, deid, scrub, residual, privacyRejection }
}
