/**
 * @zaoji/records: clinical records → de-identified, number-scrubbed Q/A pairs (records.process).
 * The dataset stages every QA source shares (split, merge, sample, export…) are in @zaoji/datasets.
 */
export { ProcessConfig, RecordsOutput, PrivacySummary } from "./stages.js"
export { parseTextRecords } from "./textRecords.js"
export {
  processRecord,
  maskTexts,
  failClosed,
  Strictnesses,
  defaultStrictness,
  residualRejectReason,
  type Strictness,
  type Tools,
  type Processed
} from "./processRecord.js"
export { residualScan, maskResidual, ResidualKinds, type ResidualKind, type ResidualCounts, type ResidualHit } from "./deid/residual.js"
export { validId18 } from "./deid/idNumber.js"
export { structure, narrativeComplaint, narrativeFindings, type StructuredRecord, type Layout } from "./structure.js"
export { splitSections, canonicalSections, sectionKeyOf, SectionKeys, type SectionKey } from "./sections.js"
export { deidentify, maskTokens, findDates, relativizeDates, relativeDate, DeidKinds, type DeidKind, type DeidCounts, type DeidOptions } from "./deidentify.js"
export { makeScrubber, makeTermRewriter, defaultScrubRules, defaultLabRanges, defaultTerms, ScrubRule, type ScrubOptions } from "./scrub.js"
export { buildQa, defaultQuestionTemplate, RejectReasons, type RejectReason, type QaOptions, type BuiltQa } from "./buildQa.js"
export { lengthStats, type LengthStats } from "./quality.js"

import { processStage } from "./stages.js"
/** the plugin's stages, for `w.stage("records", Records.process, …)` */
export const Records = { process: processStage } as const
