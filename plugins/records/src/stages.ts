/**
 * `records.process`: clinical records → de-identified, scrubbed Q/A pairs with a quality report.
 * The definition (config, output, wiring); the run is ./processRun.ts.
 */
import { Schema } from "effect"
import { Stage } from "@zaoji/core"
import { QaDataset } from "@zaoji/data"
import { LlmEndpoint } from "@zaoji/llm/endpoint"
import { DeidKinds } from "./deid/rule.js"
import { Strictnesses, defaultStrictness } from "./strictness.js"
import { ScrubRule } from "./scrubRule.js"

export const ProcessConfig = Schema.Struct({
  /** records file relative to the workflow: .jsonl, .json or .csv */
  source: Schema.String,
  /** "text": plain text, records separated by a line of --- (default for .txt files) */
  format: Schema.optional(Schema.Literal("jsonl", "json", "csv", "tsv", "text")),
  maxErrorRatio: Schema.optionalWith(Schema.Number.pipe(Schema.between(0, 1)), { default: () => 0.01 }),
  /** department for records that do not name one */
  department: Schema.optional(Schema.String),
  /** raw field holding a category label, and the labels to keep (e.g. hb_category: primary) */
  categoryField: Schema.optional(Schema.String),
  categories: Schema.optional(Schema.Array(Schema.String)),
  deid: Schema.optionalWith(
    Schema.Struct({
      enabled: Schema.optionalWith(Schema.Boolean, { default: () => true }),
      skip: Schema.optional(Schema.Array(Schema.Literal(...DeidKinds))),
      knownNames: Schema.optional(Schema.Array(Schema.String)),
      /** what a residual-scan hit does: "reject" drops the record into rejected.jsonl (default), "mask" masks the hit */
      strictness: Schema.optionalWith(Schema.Literal(...Strictnesses), { default: () => defaultStrictness })
    }),
    { default: () => ({ enabled: true, strictness: defaultStrictness }) }
  ),
  scrub: Schema.optionalWith(
    Schema.Struct({
      enabled: Schema.optionalWith(Schema.Boolean, { default: () => true }),
      rules: Schema.optional(Schema.Array(ScrubRule)),
      disable: Schema.optional(Schema.Array(Schema.String)),
      labRanges: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Tuple(Schema.Number, Schema.Number) }))
    }),
    { default: () => ({ enabled: true }) }
  ),
  terms: Schema.optionalWith(
    Schema.Struct({
      /** entries added to (or overriding) the default table */
      table: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
      useDefaults: Schema.optionalWith(Schema.Boolean, { default: () => true })
    }),
    { default: () => ({ useDefaults: true }) }
  ),
  qa: Schema.optionalWith(
    Schema.Struct({
      questionTemplate: Schema.optional(Schema.String),
      minAnswerParts: Schema.optional(Schema.Int.pipe(Schema.positive())),
      maxQuestionChars: Schema.optional(Schema.Int.pipe(Schema.positive())),
      maxListItems: Schema.optional(Schema.Int.pipe(Schema.positive())),
      maxSectionChars: Schema.optional(Schema.Int.pipe(Schema.positive()))
    }),
    { default: () => ({}) }
  ),
  /** optional LLM rewriting of the pairs (record-derived: loopback or allowed endpoints only) */
  llm: Schema.optional(LlmEndpoint),
  polishPrompt: Schema.optional(Schema.String)
})
export type ProcessConfig = typeof ProcessConfig.Type

const Counts = Schema.Record({ key: Schema.String, value: Schema.Int })

/** the one-line privacy summary `zaoji run` prints after the stage */
export const PrivacySummary = Schema.Struct({
  strictness: Schema.Literal(...Strictnesses),
  /** identifiers masked by the de-identification rules, by kind */
  maskedByKind: Counts,
  /** what the residual scan still found after masking, by kind (then masked or rejected) */
  residualByKind: Counts,
  /** records (and polished pairs) rejected because the residual scan found something */
  rejectedForPrivacy: Schema.Int,
  /** source record ids that looked identifying and were replaced by record-<line> */
  idsReplaced: Schema.Int
})
export type PrivacySummary = typeof PrivacySummary.Type

export const RecordsOutput = Schema.Struct({
  ...QaDataset.fields,
  kind: Schema.Literal("qa"),
  recordsIn: Schema.Int,
  badRows: Schema.Int,
  rejected: Schema.Int,
  rejectedFile: Schema.String,
  reportFile: Schema.String,
  auditFile: Schema.String,
  rejectedByReason: Counts,
  replacementsByKind: Counts,
  privacy: PrivacySummary
})
export type RecordsOutput = typeof RecordsOutput.Type

export const processStage = Stage.make({
  name: "records.process",
  version: "2",
  config: ProcessConfig,
  output: RecordsOutput,
  inputs: Stage.inputs(),
  files: (c) => [c.source],
  // the record pipeline (de-identification tables, scrub rules, readers) loads when the stage runs, not
  // when a workflow that uses it is loaded or planned
  run: Stage.lazyRun(() => import("./processRun.js"))
})
