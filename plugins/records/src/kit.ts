/**
 * @zaoji/records/kit: the package entry, and the record pipeline for code of its own (a custom
 * stage, a test): parsing, structuring, de-identification, scrubbing, Q/A building, the residual
 * scan and the LLM polishing of QA pairs (loads the openai client).
 */
export * from "./index.js"
export { parseTextRecords } from "./textRecords.js"
export { processRecord, maskTexts, failClosed, residualRejectReason, type Tools, type Processed } from "./processRecord.js"
export { residualScan, maskResidual, ResidualKinds, type ResidualKind, type ResidualCounts, type ResidualHit } from "./deid/residual.js"
export { validId18 } from "./deid/idNumber.js"
export { structure, narrativeComplaint, narrativeFindings, type StructuredRecord, type Layout } from "./structure.js"
export { splitSections, canonicalSections, sectionKeyOf, SectionKeys, type SectionKey } from "./sections.js"
export { deidentify, maskTokens, findDates, relativizeDates, relativeDate, type DeidCounts, type DeidOptions } from "./deidentify.js"
export { makeScrubber, makeTermRewriter, defaultScrubRules, defaultLabRanges, defaultTerms, type ScrubOptions } from "./scrub.js"
export { buildQa, defaultQuestionTemplate, RejectReasons, type RejectReason, type QaOptions, type BuiltQa } from "./buildQa.js"
export { lengthStats, type LengthStats } from "./quality.js"
export { polishPairs, defaultPolishPrompt } from "./polish.js"
