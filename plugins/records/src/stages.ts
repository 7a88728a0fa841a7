/** `records.process`: clinical records → de-identified, scrubbed Q/A pairs with a quality report. */
import { isAbsolute, join, resolve } from "node:path"
import { Effect, Schema } from "effect"
import { InputError, Stage } from "@zaoji/core"
import { ClinicalRecord, QaDataset, type QaPair, type ReadResult, normalizeText, readRows, writeJson, writeJsonl } from "@zaoji/data"
import { LlmEndpoint } from "@zaoji/knowledge-graph"
import { DeidKinds } from "./deidentify.js"
import { type Processed, processRecord } from "./processRecord.js"
import { defaultPolishPrompt, polishPairs } from "./polish.js"
import { readTextRecords } from "./textRecords.js"
import { addCounts, lengthStats } from "./quality.js"
import { ScrubRule, defaultTerms, makeScrubber, makeTermRewriter } from "./scrub.js"

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
      knownNames: Schema.optional(Schema.Array(Schema.String))
    }),
    { default: () => ({ enabled: true }) }
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
  replacementsByKind: Counts
})
export type RecordsOutput = typeof RecordsOutput.Type

const resolveIn = (baseDir: string, p: string) => (isAbsolute(p) ? p : resolve(baseDir, p))

export const processStage = Stage.make({
  name: "records.process",
  version: "1",
  config: ProcessConfig,
  output: RecordsOutput,
  inputs: Stage.inputs(),
  files: (c) => [c.source],
  run: ({ config, ctx }) =>
    Effect.gen(function* () {
      const file = resolveIn(ctx.baseDir, config.source)
      const catField = config.categoryField
      const asText = config.format === "text" || (config.format === undefined && /\.(txt|text)$/i.test(file))
      const reading: Effect.Effect<ReadResult<ClinicalRecord>, InputError> = asText
        ? readTextRecords(file, config.source).pipe(Effect.map((rs) => ({
            rows: rs.map((r) => ({ ...r.record, department: config.department })),
            lines: rs.map((r) => r.line),
            errors: [],
            total: rs.length,
            bad: 0
          })))
        : readRows(file, ClinicalRecord, {
            format: config.format as "jsonl" | "json" | "csv" | "tsv" | undefined,
            maxErrorRatio: config.maxErrorRatio,
            displayName: config.source,
            map: catField ? (raw: any) => (raw && typeof raw === "object" ? { ...raw, category: raw[catField] === undefined ? undefined : String(raw[catField]) } : raw) : undefined
          })
      const read = yield* reading
      for (const e of read.errors.slice(0, 20)) yield* ctx.log("warn", "bad record row", { file: e.file, line: e.line, field: e.field, problem: e.message })
      const records = config.categories ? read.rows.filter((r) => r.category !== undefined && config.categories!.includes(r.category)) : read.rows
      if (records.length === 0)
        return yield* Effect.fail(new InputError({ message: `${config.source}: no records to process (${read.rows.length} read, ${records.length} selected)`, location: config.source }))

      const tools = {
        deid: { enabled: config.deid.enabled, skip: config.deid.skip, knownNames: config.deid.knownNames },
        scrub: config.scrub.enabled ? makeScrubber({ rules: config.scrub.rules, disable: config.scrub.disable, labRanges: config.scrub.labRanges }) : undefined,
        terms: makeTermRewriter({ ...(config.terms.useDefaults ? defaultTerms : {}), ...config.terms.table }),
        qa: config.qa
      }
      const pairs: Array<QaPair> = []
      const rejected: Array<{ id: string; line: number; reason: string; detail: string }> = []
      const audit: Array<{ id: string; replacements: Record<string, number>; scrubbed: Record<string, number> }> = []
      const replacementsByKind: Record<string, number> = {}
      const scrubbedByKind: Record<string, number> = {}
      const rejectedByReason: Record<string, number> = {}
      const layouts: Record<string, number> = {}
      const unknownHeadings: Record<string, number> = {}
      const cleanRecords: Array<unknown> = []
      const seen = new Set<string>()
      records.forEach((raw, i) => {
        const p: Processed = processRecord(raw, tools)
        addCounts(replacementsByKind, p.deid)
        addCounts(scrubbedByKind, p.scrub)
        layouts[p.record.layout] = (layouts[p.record.layout] ?? 0) + 1
        for (const h of p.record.unknownHeadings) unknownHeadings[h] = (unknownHeadings[h] ?? 0) + 1
        // by kind only: the audit never repeats a removed value
        audit.push({ id: raw.id, replacements: { ...p.deid } as Record<string, number>, scrubbed: { ...p.scrub } })
        cleanRecords.push({ id: raw.id, department: p.record.department ?? config.department, layout: p.record.layout, sections: p.record.sections, diagnoses: p.record.diagnoses, surgeries: p.record.surgeries, drugs: p.record.drugs, checks: p.record.checks, sensitive: true })
        const line = read.lines[read.rows.indexOf(raw)] ?? i + 1
        const reject = (reason: string, detail: string) => {
          rejected.push({ id: raw.id, line, reason, detail })
          rejectedByReason[reason] = (rejectedByReason[reason] ?? 0) + 1
        }
        if (!p.qa.ok) return reject(p.qa.reason, p.qa.detail)
        const key = normalizeText(p.qa.question)
        if (seen.has(key)) return reject("duplicate", "same question as an earlier record")
        seen.add(key)
        pairs.push({
          id: `records:${raw.id}`,
          question: p.qa.question,
          answer: p.qa.answer,
          source: "records",
          entity: p.qa.diagnosis,
          department: p.record.department ?? config.department,
          sensitive: true
        })
      })

      let finalPairs = pairs
      let polish: { polished: number; kept: number } | undefined
      if (config.llm) {
        const r = yield* polishPairs(pairs, config.llm, config.polishPrompt ?? defaultPolishPrompt, ctx)
        finalPairs = r.pairs
        polish = { polished: r.polished, kept: r.kept }
      }

      const byStratum: Record<string, number> = {}
      for (const p of finalPairs) byStratum[p.department ?? "none"] = (byStratum[p.department ?? "none"] ?? 0) + 1
      const report = {
        sensitive: true,
        recordsRead: read.total,
        badRows: read.bad,
        recordsIn: records.length,
        pairsOut: finalPairs.length,
        rejected: rejected.length,
        rejectedByReason,
        replacementsByKind,
        scrubbedByKind,
        layouts,
        unknownHeadings,
        polish,
        lengths: {
          question: lengthStats(finalPairs.map((p) => p.question.length)),
          answer: lengthStats(finalPairs.map((p) => p.answer.length))
        },
        rowProblems: read.errors.slice(0, 200)
      }
      yield* writeJsonl(join(ctx.outDir, "qa.jsonl"), finalPairs)
      yield* writeJsonl(join(ctx.outDir, "rejected.jsonl"), rejected)
      yield* writeJsonl(join(ctx.outDir, "audit.jsonl"), audit)
      yield* writeJsonl(join(ctx.outDir, "records.clean.jsonl"), cleanRecords)
      yield* writeJson(join(ctx.outDir, "quality.json"), report)
      yield* ctx.metric("pairs", finalPairs.length)
      yield* ctx.metric("rejected", rejected.length)
      yield* ctx.metric("replacementsByKind", replacementsByKind)
      return {
        file: "qa.jsonl",
        kind: "qa" as const,
        count: finalPairs.length,
        sensitive: true,
        byStratum,
        recordsIn: records.length,
        badRows: read.bad,
        rejected: rejected.length,
        rejectedFile: "rejected.jsonl",
        reportFile: "quality.json",
        auditFile: "audit.jsonl",
        rejectedByReason,
        replacementsByKind
      }
    })
})
