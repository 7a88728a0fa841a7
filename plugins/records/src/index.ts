/**
 * @zaoji/records: clinical records → de-identified, number-scrubbed Q/A pairs (records.process).
 * The dataset stages every QA source shares (split, merge, sample, export…) are in @zaoji/datasets.
 * This entry is what a workflow imports: the stage and its Schemas, nothing its run needs (the
 * de-identification tables, the scrub rules, the readers); those are in @zaoji/records/kit.
 */
export { ProcessConfig, RecordsOutput, PrivacySummary } from "./stages.js"
export { DeidKinds, type DeidKind } from "./deid/rule.js"
export { Strictnesses, defaultStrictness, type Strictness } from "./strictness.js"
export { ScrubRule } from "./scrubRule.js"

import { processStage } from "./stages.js"
/** the plugin's stages, for `w.stage("records", Records.process, …)` */
export const Records = { process: processStage } as const
