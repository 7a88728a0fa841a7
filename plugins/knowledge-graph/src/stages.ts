/**
 * The typed stages of the knowledge-graph plugin: `kg.load` and `kg.generate-qa` (config, output,
 * wiring). Their runs are ./runs.ts, loaded when a stage runs, not when a workflow is loaded or planned.
 */
import { Effect, Schema } from "effect"
import { Stage } from "@zaoji/core"
import { QaDataset } from "@zaoji/data"
import { LlmEndpoint } from "@zaoji/llm/endpoint"
import { relationLabel, type Relation } from "./relations.js"
import { Selection } from "./select.js"

const Counts = Schema.Record({ key: Schema.String, value: Schema.Int })
const RelationName = Schema.Literal(...(Object.keys(relationLabel) as Array<Relation>))

// ---------------------------------------------------------------- kg.load

export const LoadConfig = Schema.Struct({
  /** KG file, relative to the workflow file: .jsonl, .json (array), .csv or .tsv */
  source: Schema.String,
  format: Schema.optional(Schema.Literal("jsonl", "json", "csv", "tsv")),
  layout: Schema.optionalWith(Schema.Literal("entries", "triples", "auto"), { default: () => "auto" }),
  fieldMap: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  listSeparator: Schema.optional(Schema.String),
  /** tolerated share of rows that do not decode */
  maxErrorRatio: Schema.optionalWith(Schema.Number.pipe(Schema.between(0, 1)), { default: () => 0.01 }),
  select: Schema.optional(Selection)
})
export type LoadConfig = typeof LoadConfig.Type

export const KgOutput = Schema.Struct({
  file: Schema.String,
  kind: Schema.Literal("kg"),
  count: Schema.Int,
  sensitive: Schema.Boolean,
  rowsRead: Schema.Int,
  badRows: Schema.Int,
  byDepartment: Counts,
  byRelation: Counts
})
export type KgOutput = typeof KgOutput.Type

export const load = Stage.make({
  name: "kg.load",
  version: "1",
  config: LoadConfig,
  output: KgOutput,
  inputs: Stage.inputs(),
  files: (c) => [c.source],
  run: (args) => Effect.flatMap(loadRuns, (m) => m.runLoad(args))
})

// ---------------------------------------------------------------- kg.generate-qa

const TemplateOverride = Schema.Struct({
  questions: Schema.optional(Schema.Array(Schema.String).pipe(Schema.minItems(1))),
  answer: Schema.optional(Schema.String)
})

export const GenerateConfig = Schema.Struct({
  generator: Schema.Literal("template", "llm"),
  select: Schema.optional(Selection),
  relations: Schema.optional(Schema.Array(RelationName)),
  /** template: question phrasings per (entity, relation) */
  phrasings: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 2 }),
  /** template: at most this many pairs per entity */
  perEntity: Schema.optional(Schema.Int.pipe(Schema.positive())),
  maxListItems: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 8 }),
  seed: Schema.optionalWith(Schema.Int, { default: () => 0 }),
  templates: Schema.optional(Schema.partial(Schema.Record({ key: RelationName, value: TemplateOverride }))),
  /** llm: endpoint, limits, prices */
  llm: Schema.optional(LlmEndpoint),
  /** llm: prompt templates with {entity} {relation} {facts} {count} */
  prompts: Schema.optional(Schema.Struct({ system: Schema.optional(Schema.String), user: Schema.optional(Schema.String) })),
  pairsPerRequest: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 2 }),
  /** llm: tolerated share of requests that still fail after all retries */
  maxErrorRatio: Schema.optionalWith(Schema.Number.pipe(Schema.between(0, 1)), { default: () => 0 })
}).pipe(Schema.filter((c) => (c.generator === "llm" && c.llm === undefined ? { path: ["llm"], message: 'generator "llm" needs an `llm` endpoint ({ baseURL, model })' } : undefined)))
export type GenerateConfig = typeof GenerateConfig.Type

const UsageOut = Schema.Struct({
  requests: Schema.Int,
  attempts: Schema.Int,
  resumedItems: Schema.Int,
  promptTokens: Schema.Int,
  completionTokens: Schema.Int,
  cost: Schema.Number
})

export const QaOutput = Schema.Struct({
  ...QaDataset.fields,
  generator: Schema.Literal("template", "llm"),
  duplicatesDropped: Schema.Int,
  failedRequests: Schema.optionalWith(Schema.Int, { default: () => 0 }),
  usage: Schema.optional(UsageOut)
})
export type QaOutput = typeof QaOutput.Type

export const generateQa = Stage.make({
  name: "kg.generate-qa",
  version: "1",
  config: GenerateConfig,
  output: QaOutput,
  inputs: Stage.inputs<{ kg: KgOutput }>("kg"),
  retry: { maxAttempts: 3 },
  run: (args) => Effect.flatMap(loadRuns, (m) => m.runGenerateQa(args))
})

// internal

const loadRuns = Effect.promise(() => import("./runs.js"))
