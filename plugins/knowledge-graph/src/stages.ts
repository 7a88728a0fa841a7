/** The typed stages of the knowledge-graph plugin: `kg.load` and `kg.generate-qa`. */
import { join } from "node:path"
import { Effect, Schema } from "effect"
import { InputError, Stage, pathIn } from "@zaoji/core"
import { KgEntry, QaDataset, dedupeBy, readRows, writeJson, writeJsonl } from "@zaoji/data"
import { LlmEndpoint } from "@zaoji/llm/endpoint"
import { loadKg } from "./loadKg.js"
import { relationLabel, type Relation } from "./relations.js"
import { Selection, selectEntries } from "./select.js"
import { kgStats } from "./stats.js"
import { templateQa } from "./templates.js"

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
  run: ({ config, ctx }) =>
    Effect.gen(function* () {
      const file = pathIn(ctx.baseDir, config.source)
      const loaded = yield* loadKg(file, {
        format: config.format,
        layout: config.layout,
        fieldMap: config.fieldMap,
        listSeparator: config.listSeparator,
        maxErrorRatio: config.maxErrorRatio,
        displayName: config.source
      })
      for (const e of loaded.errors.slice(0, 20)) yield* ctx.log("warn", "bad KG row", { file: e.file, line: e.line, field: e.field, problem: e.message })
      const entries = selectEntries(loaded.entries, config.select)
      if (entries.length === 0)
        return yield* Effect.fail(new InputError({ message: `${config.source}: the selection keeps no entries (${loaded.entries.length} loaded)`, location: "select" }))
      const stats = kgStats(entries)
      yield* writeJsonl(join(ctx.outDir, "kg.jsonl"), entries, KgEntry)
      yield* writeJson(join(ctx.outDir, "load-report.json"), {
        rowsRead: loaded.total,
        badRows: loaded.bad,
        loaded: loaded.entries.length,
        selected: entries.length,
        problems: loaded.errors.slice(0, 1000),
        ...stats
      })
      yield* ctx.metric("entries", entries.length)
      yield* ctx.metric("badRows", loaded.bad)
      return {
        file: "kg.jsonl",
        kind: "kg" as const,
        count: entries.length,
        sensitive: false,
        rowsRead: loaded.total,
        badRows: loaded.bad,
        byDepartment: stats.byDepartment,
        byRelation: stats.byRelation
      }
    })
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
  run: ({ config, inputs, ctx }) =>
    Effect.gen(function* () {
      const kgFile = join(inputs.kg.dir, inputs.kg.value.file)
      const read = yield* readRows(kgFile, KgEntry)
      const entries = selectEntries(read.rows, config.select)
      const sensitive = inputs.kg.value.sensitive
      let pairs
      let usage: QaOutput["usage"]
      let failedRequests = 0
      if (config.generator === "template") {
        pairs = templateQa(entries, {
          relations: config.relations,
          phrasings: config.phrasings,
          perEntity: config.perEntity,
          maxListItems: config.maxListItems,
          seed: config.seed,
          templates: config.templates
        }).map((p) => ({ ...p, sensitive }))
      } else {
        const ep = config.llm!
        // the LLM client (openai) loads when a stage asks an LLM, not when a workflow is planned
        const { makeLlmClient } = yield* Effect.promise(() => import("@zaoji/llm"))
        const { generateLlm, llmWorkItems } = yield* Effect.promise(() => import("./generateLlm.js"))
        const client = yield* makeLlmClient(ep, { sensitive, ctx })
        const items = llmWorkItems(entries, ep.model, {
          relations: config.relations,
          pairsPerRequest: config.pairsPerRequest,
          maxListItems: config.maxListItems,
          prompts: config.prompts
        })
        const result = yield* generateLlm(items, client, ctx, sensitive)
        failedRequests = result.failed.length
        const { thisRun, ...total } = result.usage
        usage = total
        yield* writeJson(join(ctx.outDir, "usage.json"), { model: ep.model, ...result.usage })
        yield* ctx.metric("llm.usage", result.usage)
        if (result.failed.length > 0) yield* writeJsonl(join(ctx.outDir, "failed.jsonl"), result.failed)
        if (items.length > 0 && result.failed.length / items.length > config.maxErrorRatio)
          return yield* Effect.fail(
            new InputError({
              message:
                `${result.failed.length} of ${items.length} QA requests failed after retries ` +
                `(first: ${result.failed[0]!.entity}/${result.failed[0]!.relation}: ${result.failed[0]!.error}); ` +
                `finished requests are kept and a re-run sends only the failed ones`,
              location: "llm"
            })
          )
        pairs = result.pairs
      }
      const { kept, dropped } = dedupeBy(pairs, (p) => p.question)
      const byStratum: Record<string, number> = {}
      for (const p of kept) byStratum[p.relation ?? "none"] = (byStratum[p.relation ?? "none"] ?? 0) + 1
      yield* writeJsonl(join(ctx.outDir, "qa.jsonl"), kept)
      yield* ctx.metric("pairs", kept.length)
      yield* ctx.metric("duplicatesDropped", dropped)
      return {
        file: "qa.jsonl",
        kind: "qa" as const,
        count: kept.length,
        sensitive,
        byStratum,
        generator: config.generator,
        duplicatesDropped: dropped,
        failedRequests,
        usage
      }
    })
})
