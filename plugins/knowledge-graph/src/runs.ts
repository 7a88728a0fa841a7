/** The runs of the knowledge-graph stages (./stages.ts): `kg.load` and `kg.generate-qa`. */
import { join } from "node:path"
import { Effect } from "effect"
import { InputError, Stage, pathIn } from "@zaoji/core"
import { KgEntry, dedupeBy, readRows, writeJson, writeJsonl } from "@zaoji/data"
import { loadKg } from "./loadKg.js"
import { selectEntries } from "./select.js"
import { kgStats } from "./stats.js"
import { templateQa } from "./templates.js"
import type { GenerateConfig, KgOutput, LoadConfig, QaOutput } from "./stages.js"

export const runLoad = ({ config, ctx }: Stage.RunArgs<LoadConfig, {}>) =>
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

export const runGenerateQa = ({ config, inputs, ctx }: Stage.RunArgs<GenerateConfig, { kg: KgOutput }>) =>
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
