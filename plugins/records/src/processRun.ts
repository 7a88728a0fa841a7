/** The run of `records.process` (./stages.ts): read, process every record, write the dataset and its reports. */
import { join } from "node:path"
import { Effect } from "effect"
import { InputError, Stage, pathIn } from "@zaoji/core"
import { ClinicalRecord, type QaPair, type ReadResult, normalizeText, readRows, writeJson, writeJsonl } from "@zaoji/data"
import { residualScan } from "./deid/residual.js"
import {
  type Processed,
  defaultStrictness,
  describeResidual,
  failClosed,
  processRecord,
  residualRejectReason,
  sanitizeShort
} from "./processRecord.js"
import { readTextRecords } from "./textRecords.js"
import { addCounts, lengthStats } from "./quality.js"
import { defaultTerms, makeScrubber, makeTermRewriter } from "./scrub.js"
import type { PrivacySummary, ProcessConfig } from "./stages.js"

export const run = ({ config, ctx }: Stage.RunArgs<ProcessConfig, {}>) =>
    Effect.gen(function* () {
      const file = pathIn(ctx.baseDir, config.source)
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
      // a decoding message can quote the offending value: it is de-identified like the records
      const rowProblems = read.errors.slice(0, 200).map((e) => ({ ...e, message: sanitizeShort(e.message) }))
      for (const e of rowProblems.slice(0, 20)) yield* ctx.log("warn", "bad record row", { file: e.file, line: e.line, field: e.field, problem: e.message })
      // each selected record with its source line, found once here (not by searching the rows per record)
      const records = read.rows.flatMap((raw, index) =>
        config.categories && !(raw.category !== undefined && config.categories.includes(raw.category)) ? [] : [{ raw, sourceLine: read.lines[index] }]
      )
      if (records.length === 0)
        return yield* Effect.fail(new InputError({ message: `${config.source}: no records to process (${read.rows.length} read, ${records.length} selected)`, location: config.source }))

      const strictness = config.deid.strictness ?? defaultStrictness
      const tools = {
        deid: { enabled: config.deid.enabled, skip: config.deid.skip, knownNames: config.deid.knownNames, strictness },
        scrub: config.scrub.enabled ? makeScrubber({ rules: config.scrub.rules, disable: config.scrub.disable, labRanges: config.scrub.labRanges }) : undefined,
        terms: makeTermRewriter({ ...(config.terms.useDefaults ? defaultTerms : {}), ...config.terms.table }),
        qa: config.qa
      }
      const pairs: Array<QaPair> = []
      const rejected: Array<{ id: string; line: number; reason: string; detail: string }> = []
      const audit: Array<{ id: string; replacements: Record<string, number>; scrubbed: Record<string, number>; residual: Record<string, number> }> = []
      const residualByKind: Record<string, number> = {}
      let rejectedForPrivacy = 0
      let idsReplaced = 0
      const lineOf = new Map<string, number>()
      const replacementsByKind: Record<string, number> = {}
      const scrubbedByKind: Record<string, number> = {}
      const rejectedByReason: Record<string, number> = {}
      const layouts: Record<string, number> = {}
      const unknownHeadings: Record<string, number> = {}
      const cleanRecords: Array<unknown> = []
      const seen = new Set<string>()
      const department = config.department === undefined ? undefined : sanitizeShort(config.department)
      records.forEach(({ raw, sourceLine }, i) => {
        const line = sourceLine ?? i + 1
        // a source id can itself be a record number: every output names the record by a safe id
        const safeId = config.deid.enabled && (residualScan(raw.id).length > 0 || sanitizeShort(raw.id) !== raw.id) ? `record-${line}` : raw.id
        if (safeId !== raw.id) idsReplaced++
        lineOf.set(safeId, line)
        const p: Processed = processRecord(raw, tools)
        addCounts(replacementsByKind, p.deid)
        addCounts(scrubbedByKind, p.scrub)
        addCounts(residualByKind, p.residual)
        layouts[p.record.layout] = (layouts[p.record.layout] ?? 0) + 1
        for (const h of p.record.unknownHeadings) {
          const heading = config.deid.enabled ? sanitizeShort(h) : h
          unknownHeadings[heading] = (unknownHeadings[heading] ?? 0) + 1
        }
        // by kind only: the audit never repeats a removed value
        audit.push({ id: safeId, replacements: { ...p.deid } as Record<string, number>, scrubbed: { ...p.scrub }, residual: { ...p.residual } })
        const reject = (reason: string, detail: string) => {
          rejected.push({ id: safeId, line, reason, detail })
          rejectedByReason[reason] = (rejectedByReason[reason] ?? 0) + 1
        }
        if (p.privacyRejection !== undefined) {
          // nothing of this record is written: only its line, the reason and the kinds found
          rejectedForPrivacy++
          return reject(residualRejectReason, `${p.privacyRejection} (strictness: reject)`)
        }
        cleanRecords.push({ id: safeId, department: p.record.department ?? department, layout: p.record.layout, sections: p.record.sections, diagnoses: p.record.diagnoses, surgeries: p.record.surgeries, drugs: p.record.drugs, checks: p.record.checks, sensitive: true })
        if (!p.qa.ok) return reject(p.qa.reason, p.qa.detail)
        const key = normalizeText(p.qa.question)
        if (seen.has(key)) return reject("duplicate", "same question as an earlier record")
        seen.add(key)
        pairs.push({
          id: `records:${safeId}`,
          question: p.qa.question,
          answer: p.qa.answer,
          source: "records",
          entity: p.qa.diagnosis,
          department: p.record.department ?? department,
          sensitive: true
        })
      })

      let finalPairs = pairs
      let polish: { polished: number; kept: number } | undefined
      if (config.llm) {
        // the LLM client (openai) loads when records are polished, not when a workflow is planned
        const { defaultPolishPrompt, polishPairs } = yield* Effect.promise(() => import("./polish.js"))
        const r = yield* polishPairs(pairs, config.llm, config.polishPrompt ?? defaultPolishPrompt, ctx)
        polish = { polished: r.polished, kept: r.kept }
        // a model can write a number or a name back in: the rewritten pairs pass the residual scan too
        finalPairs = []
        for (const pair of r.pairs) {
          const checked = failClosed([pair.question, pair.answer], config.deid.enabled ? strictness : "mask")
          if (!config.deid.enabled || Object.keys(checked.residual).length === 0) {
            finalPairs.push(pair)
            continue
          }
          addCounts(residualByKind, checked.residual)
          if (strictness === "mask") finalPairs.push({ ...pair, question: checked.texts[0]!, answer: checked.texts[1]! })
          else {
            rejectedForPrivacy++
            const id = pair.id.replace(/^records:/, "")
            rejected.push({ id, line: lineOf.get(id) ?? 0, reason: residualRejectReason, detail: `residual scan of the rewritten pair: ${describeResidual(checked.residual)} (strictness: reject)` })
            rejectedByReason[residualRejectReason] = (rejectedByReason[residualRejectReason] ?? 0) + 1
          }
        }
      }
      const privacy: PrivacySummary = {
        strictness,
        maskedByKind: replacementsByKind,
        residualByKind,
        rejectedForPrivacy,
        idsReplaced
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
        privacy,
        layouts,
        unknownHeadings,
        polish,
        lengths: {
          question: lengthStats(finalPairs.map((p) => p.question.length)),
          answer: lengthStats(finalPairs.map((p) => p.answer.length))
        },
        rowProblems
      }
      yield* writeJsonl(join(ctx.outDir, "qa.jsonl"), finalPairs)
      yield* writeJsonl(join(ctx.outDir, "rejected.jsonl"), rejected)
      yield* writeJsonl(join(ctx.outDir, "audit.jsonl"), audit)
      yield* writeJsonl(join(ctx.outDir, "records.clean.jsonl"), cleanRecords)
      yield* writeJson(join(ctx.outDir, "quality.json"), report)
      yield* ctx.metric("pairs", finalPairs.length)
      yield* ctx.metric("rejected", rejected.length)
      yield* ctx.metric("replacementsByKind", replacementsByKind)
      yield* ctx.metric("residualByKind", residualByKind)
      yield* ctx.metric("rejectedForPrivacy", rejectedForPrivacy)
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
        replacementsByKind,
        privacy
      }
    })
