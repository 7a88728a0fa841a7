/**
 * One record through the whole pipeline: structure → de-identify → relative dates → numeric
 * scrubbing → term rewriting → Q/A. Pure and synchronous; the stage adds I/O around it.
 */
import type { ClinicalRecord } from "@zaoji/data"
import { type BuiltQa, type QaOptions, buildQa } from "./buildQa.js"
import { type DeidCounts, type DeidOptions, deidentify, relativizeDates } from "./deidentify.js"
import type { ScrubCounts } from "./scrub.js"
import type { SectionKey } from "./sections.js"
import { type StructuredRecord, structure } from "./structure.js"

export interface Tools {
  readonly deid: DeidOptions & { readonly enabled: boolean }
  readonly scrub: ((text: string, counts: ScrubCounts) => string) | undefined
  readonly terms: (text: string, counts: ScrubCounts) => string
  readonly qa: QaOptions
}

export interface Processed {
  readonly record: StructuredRecord
  readonly qa: BuiltQa
  readonly deid: DeidCounts
  readonly scrub: ScrubCounts
}

export const processRecord = (raw: ClinicalRecord, tools: Tools): Processed => {
  const r = structure(raw)
  const deid: DeidCounts = {}
  const scrub: ScrubCounts = {}
  const keys = Object.keys(r.sections) as Array<SectionKey>
  const lists = { diagnoses: [...r.diagnoses], surgeries: [...r.surgeries], drugs: [...r.drugs], checks: [...r.checks] }
  const listKeys = Object.keys(lists) as Array<keyof typeof lists>
  // every text of the record in one array, so dates are made relative to one reference
  let texts = [...keys.map((k) => r.sections[k]!), ...listKeys.flatMap((k) => lists[k])]
  if (tools.deid.enabled) {
    texts = texts.map((t) => deidentify(t, deid, tools.deid))
    if (!tools.deid.skip?.includes("date")) texts = relativizeDates(texts, deid)
  }
  if (tools.scrub) texts = texts.map((t) => tools.scrub!(t, scrub))
  texts = texts.map((t) => tools.terms(t, scrub))
  const sections: Partial<Record<SectionKey, string>> = {}
  keys.forEach((k, i) => (sections[k] = texts[i]!))
  let at = keys.length
  const cleanLists = {} as Record<keyof typeof lists, Array<string>>
  for (const k of listKeys) {
    cleanLists[k] = texts.slice(at, at + lists[k].length).map((x) => x.trim()).filter((x) => x !== "")
    at += lists[k].length
  }
  const record: StructuredRecord = { ...r, sections, ...cleanLists }
  return { record, qa: buildQa(record, tools.qa), deid, scrub }
}
