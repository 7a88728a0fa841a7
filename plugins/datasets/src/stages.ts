/** `datasets.load`, `datasets.split`, `datasets.merge`, `datasets.sample`, `datasets.export`: shared by every QA source. */
import { isAbsolute, join, resolve } from "node:path"
import { Effect, Schema } from "effect"
import { type Artifact, InputError, Stage } from "@zaoji/core"
import { QaDataset, type QaPair, dedupeBy, readRows, writeJson, writeJsonl, QaPair as QaPairSchema, seededShuffle, writeFileAtomic } from "@zaoji/data"
import { datasetInfoEntry, toAlpaca, toChatGlm, toShareGpt } from "./exportFormats.js"
import { type StratifyBy, countBy, samplePairs, splitPairs } from "./split.js"

const Stratify = Schema.Literal("relation", "department", "entity", "source", "none")

const readDataset = (a: Artifact<QaDataset>) =>
  Effect.map(readRows(join(a.dir, a.value.file), QaPairSchema), (r) => r.rows)

const describe = (file: string, rows: ReadonlyArray<QaPair>, sensitive: boolean, by: StratifyBy): QaDataset => ({
  file,
  kind: "qa",
  count: rows.length,
  sensitive: sensitive || rows.some((r) => r.sensitive),
  byStratum: countBy(rows, by)
})

// ---------------------------------------------------------------- split

export const SplitConfig = Schema.Struct({
  seed: Schema.optionalWith(Schema.Int, { default: () => 42 }),
  train: Schema.optionalWith(Schema.Number.pipe(Schema.nonNegative()), { default: () => 0.8 }),
  validation: Schema.optionalWith(Schema.Number.pipe(Schema.nonNegative()), { default: () => 0.1 }),
  test: Schema.optionalWith(Schema.Number.pipe(Schema.nonNegative()), { default: () => 0.1 }),
  stratifyBy: Schema.optionalWith(Stratify, { default: () => "relation" as const })
}).pipe(Schema.filter((c) => (c.train + c.validation + c.test > 0 ? undefined : "train + validation + test must be positive")))

export const SplitOutput = Schema.Struct({
  train: QaDataset,
  validation: QaDataset,
  test: QaDataset,
  seed: Schema.Int,
  stratifyBy: Stratify
})
export type SplitOutput = typeof SplitOutput.Type

export const split = Stage.make({
  name: "datasets.split",
  version: "1",
  config: SplitConfig,
  output: SplitOutput,
  inputs: Stage.inputs<{ data: QaDataset }>("data"),
  run: ({ config, inputs, ctx }) =>
    Effect.gen(function* () {
      const rows = yield* readDataset(inputs.data)
      const parts = splitPairs(rows, config, config.seed, config.stratifyBy)
      const sensitive = inputs.data.value.sensitive
      for (const name of ["train", "validation", "test"] as const) yield* writeJsonl(join(ctx.outDir, `${name}.jsonl`), parts[name], QaPairSchema)
      yield* ctx.metric("sizes", { train: parts.train.length, validation: parts.validation.length, test: parts.test.length })
      return {
        train: describe("train.jsonl", parts.train, sensitive, config.stratifyBy),
        validation: describe("validation.jsonl", parts.validation, sensitive, config.stratifyBy),
        test: describe("test.jsonl", parts.test, sensitive, config.stratifyBy),
        seed: config.seed,
        stratifyBy: config.stratifyBy
      }
    })
})

// ---------------------------------------------------------------- merge

const MergeNames = ["a", "b", "c", "d"] as const

export const MergeConfig = Schema.Struct({
  /** drop pairs whose normalised question was already seen (first input wins) */
  dedupe: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  /** repeat an input's pairs this many times (oversampling a small source) */
  repeat: Schema.optional(Schema.partial(Schema.Record({ key: Schema.Literal(...MergeNames), value: Schema.Int.pipe(Schema.positive()) }))),
  /** shuffle the merged rows with this seed (kept in input order when absent) */
  shuffleSeed: Schema.optional(Schema.Int),
  stratifyBy: Schema.optionalWith(Stratify, { default: () => "source" as const })
})

export const MergeOutput = Schema.Struct({ ...QaDataset.fields, duplicatesDropped: Schema.Int, bySource: Schema.Record({ key: Schema.String, value: Schema.Int }) })

export const merge = Stage.make({
  name: "datasets.merge",
  version: "1",
  config: MergeConfig,
  output: MergeOutput,
  inputs: Stage.inputsWithOptional<{ a: QaDataset; b: QaDataset; c: QaDataset | undefined; d: QaDataset | undefined }>(["a", "b", "c", "d"], ["c", "d"]),
  run: ({ config, inputs, ctx }) =>
    Effect.gen(function* () {
      const perInput: Array<[name: (typeof MergeNames)[number], rows: Array<QaPair>]> = []
      let sensitive = false
      for (const name of MergeNames) {
        const a = (inputs as Record<string, Artifact<QaDataset> | undefined>)[name]
        if (!a || !a.value) continue
        sensitive ||= a.value.sensitive
        // the same pair id can occur in two sources; the input name keeps ids unique after merging
        perInput.push([name, (yield* readDataset(a)).map((r) => ({ ...r, id: `${name}:${r.id}` }))])
      }
      // dedupe first (the first input wins), then oversample: a repeated duplicate stays dropped
      const { kept: unique, dropped } = config.dedupe ? dedupeBy(perInput.flatMap(([, rows]) => rows), (r) => r.question) : { kept: perInput.flatMap(([, rows]) => rows), dropped: 0 }
      const keptIds = new Set(unique.map((r) => r.id))
      const kept: Array<QaPair> = []
      for (const [name, rows] of perInput) {
        const mine = rows.filter((r) => keptIds.has(r.id))
        for (let i = 0; i < (config.repeat?.[name] ?? 1); i++) kept.push(...mine.map((r) => (i === 0 ? r : { ...r, id: `${r.id}#${i}` })))
      }
      const rows = config.shuffleSeed !== undefined ? seededShuffle(kept, config.shuffleSeed) : kept
      yield* writeJsonl(join(ctx.outDir, "qa.jsonl"), rows, QaPairSchema)
      return { ...describe("qa.jsonl", rows, sensitive, config.stratifyBy), duplicatesDropped: dropped, bySource: countBy(rows, "source") }
    })
})

// ---------------------------------------------------------------- sample

export const SampleConfig = Schema.Struct({
  n: Schema.optional(Schema.Int.pipe(Schema.positive())),
  fraction: Schema.optional(Schema.Number.pipe(Schema.between(0, 1))),
  seed: Schema.optionalWith(Schema.Int, { default: () => 42 }),
  stratifyBy: Schema.optionalWith(Stratify, { default: () => "relation" as const })
}).pipe(Schema.filter((c) => (c.n === undefined) !== (c.fraction === undefined) ? undefined : "give exactly one of `n` or `fraction`"))

export const sample = Stage.make({
  name: "datasets.sample",
  version: "1",
  config: SampleConfig,
  output: QaDataset,
  inputs: Stage.inputs<{ data: QaDataset }>("data"),
  run: ({ config, inputs, ctx }) =>
    Effect.gen(function* () {
      const rows = yield* readDataset(inputs.data)
      const n = config.n ?? Math.round((config.fraction ?? 1) * rows.length)
      const picked = samplePairs(rows, n, config.seed, config.stratifyBy)
      yield* writeJsonl(join(ctx.outDir, "qa.jsonl"), picked, QaPairSchema)
      return describe("qa.jsonl", picked, inputs.data.value.sensitive, config.stratifyBy)
    })
})

// ---------------------------------------------------------------- export

export const ExportConfig = Schema.Struct({
  format: Schema.Literal("alpaca", "sharegpt", "chatglm"),
  /** dataset name (file stem and dataset_info.json key) */
  name: Schema.optionalWith(Schema.String.pipe(Schema.pattern(/^[A-Za-z0-9_.-]+$/)), { default: () => "zaoji_qa" }),
  system: Schema.optional(Schema.String)
})

export const ExportOutput = Schema.Struct({
  format: Schema.Literal("alpaca", "sharegpt", "chatglm"),
  file: Schema.String,
  datasetInfo: Schema.optional(Schema.String),
  count: Schema.Int,
  sensitive: Schema.Boolean
})
export type ExportOutput = typeof ExportOutput.Type

export const exportDataset = Stage.make({
  name: "datasets.export",
  version: "1",
  config: ExportConfig,
  output: ExportOutput,
  inputs: Stage.inputs<{ data: QaDataset }>("data"),
  run: ({ config, inputs, ctx }) =>
    Effect.gen(function* () {
      const rows = yield* readDataset(inputs.data)
      if (rows.length === 0) return yield* Effect.fail(new InputError({ message: "nothing to export: the input dataset is empty", location: "data" }))
      const sensitive = inputs.data.value.sensitive
      if (config.format === "chatglm") {
        const file = `${config.name}.jsonl`
        yield* writeJsonl(join(ctx.outDir, file), toChatGlm(rows))
        return { format: config.format, file, count: rows.length, sensitive }
      }
      const file = `${config.name}.json`
      const body = config.format === "alpaca" ? toAlpaca(rows, config.system) : toShareGpt(rows, config.system)
      yield* writeFileAtomic(join(ctx.outDir, file), JSON.stringify(body, null, 2) + "\n")
      yield* writeJson(join(ctx.outDir, "dataset_info.json"), { [config.name]: datasetInfoEntry(config.format, file, config.system !== undefined) })
      return { format: config.format, file, datasetInfo: "dataset_info.json", count: rows.length, sensitive }
    })
})

// ---------------------------------------------------------------- load

export const LoadConfig = Schema.Struct({
  /** QA file relative to the workflow: JSON Lines, JSON array or CSV */
  source: Schema.String,
  format: Schema.optional(Schema.Literal("jsonl", "json", "csv", "tsv")),
  /** source field → QaPair field, e.g. { 问题: "question", 回答: "answer" } */
  fieldMap: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  /** the `source` label given to rows that have none */
  label: Schema.optionalWith(Schema.String, { default: () => "import" }),
  /** the file holds record-derived text */
  sensitive: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  maxErrorRatio: Schema.optionalWith(Schema.Number.pipe(Schema.between(0, 1)), { default: () => 0 }),
  stratifyBy: Schema.optionalWith(Stratify, { default: () => "source" as const })
})

/**
 * Rows in QaPair layout, Alpaca layout ({instruction, input, output, history}) or renamed through
 * `fieldMap`; a row without an id gets `<label>-<line>`.
 */
const toQaShape = (fieldMap: Readonly<Record<string, string>> | undefined, label: string, sensitive: boolean) => (raw: any) => {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return raw
  const r: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(raw)) r[fieldMap?.[k] ?? k] = v
  if (r.question === undefined && typeof r.instruction === "string")
    r.question = typeof r.input === "string" && r.input.trim() ? `${r.instruction}\n${r.input}` : r.instruction
  if (r.answer === undefined && r.output !== undefined) r.answer = r.output
  if (r.id === undefined || r.id === null || r.id === "") r.id = ""
  else r.id = String(r.id)
  if (r.source === undefined) r.source = label
  if (sensitive) r.sensitive = true
  return r
}

export const load = Stage.make({
  name: "datasets.load",
  version: "1",
  config: LoadConfig,
  output: QaDataset,
  inputs: Stage.inputs(),
  files: (c) => [c.source],
  run: ({ config, ctx }) =>
    Effect.gen(function* () {
      const file = isAbsolute(config.source) ? config.source : resolve(ctx.baseDir, config.source)
      const read = yield* readRows(file, QaPairSchema, {
        format: config.format,
        map: toQaShape(config.fieldMap, config.label, config.sensitive),
        maxErrorRatio: config.maxErrorRatio,
        displayName: config.source
      })
      for (const e of read.errors.slice(0, 20)) yield* ctx.log("warn", "bad QA row", { file: e.file, line: e.line, field: e.field, problem: e.message })
      if (read.rows.length === 0) return yield* Effect.fail(new InputError({ message: `${config.source}: no QA rows (expected objects with question and answer)`, location: config.source }))
      const rows = read.rows.map((r, i) => (r.id === "" ? { ...r, id: `${config.label}-${read.lines[i]}` } : r))
      yield* writeJsonl(join(ctx.outDir, "qa.jsonl"), rows, QaPairSchema)
      yield* ctx.metric("badRows", read.bad)
      return describe("qa.jsonl", rows, config.sensitive, config.stratifyBy)
    })
})
