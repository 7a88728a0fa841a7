/** `metrics.compare`'s run: load the sets, check leakage, evaluate each model, flag, gate, write the report (the definition is in stage.ts). */
import { join } from "node:path"
import { mkdirSync, readFileSync } from "node:fs"
import { Effect } from "effect"
import { type Artifact, errorMessage, InputError, PermanentError, type Stage, type StageContext, type StageFailure, writeFileAtomic } from "@zaoji/core"
import { METRIC_DEFINITIONS } from "../report/definitions.js"
import { regressionGate, type GateResult } from "../report/gate.js"
import { lossCurves, modelLineage, type DatasetLineage } from "../report/lineage.js"
import type { CompareConfig } from "./config.js"
import { type EvalSets, evaluateModel } from "./evaluateModel.js"
import { type CompareReport, type MetricRow, metricRows, renderHtml, renderMarkdown, type ReportModel } from "./report.js"
import { checkLeakage, leakageMessage, type LeakageResult, type LeakageSet } from "../leakage/check.js"
import { trainingLineage, type TrainingLineage } from "../leakage/trainingLineage.js"
import { learningOf, type ModelFlag, noEffectFlags, notLearningFlag } from "./flags.js"
import { type DataInputs, loadSets } from "./loadSets.js"
import { type ModelInput, openModel } from "./resolveModel.js"
import type { CompareInputs, CompareOutput } from "./stage.js"

export const runCompare = <const Names extends readonly [string, ...Array<string>]>(
  names: Names,
  { config, inputs, ctx }: Stage.RunArgs<CompareConfig, CompareInputs<Names>>
): Effect.Effect<CompareOutput, StageFailure> =>
  Effect.gen(function* () {
    const wired = wiredModels(names, inputs as Record<string, Artifact<ModelInput> | undefined>)
    const { sets, datasets } = yield* loadSets(ctx.baseDir, config, inputs as unknown as DataInputs, wired.map(([n]) => n))
    const { leakage, lineages } = yield* leakageCheck(ctx, config, sets, wired)
    const { models, records } = yield* evaluateModels(ctx, config, sets, wired)
    const flags = yield* flagModels(ctx, wired, lineages, records)
    // every metric as rows, once: the gate reads one of them, the summary all of them
    const rows = metricRows(models)
    const gate = yield* gateOf(config, models, rows)
    const report = reportOf(config, models, datasets, gate, leakage, flags)
    const summary = summaryOf(rows, models)
    for (const [id, byModel] of Object.entries(summary)) yield* ctx.metric(id, byModel)
    if (gate !== undefined && !gate.passed && gate.mode === "fail") return yield* failGate(ctx, gate, report, summary, records)
    yield* writeReport(ctx.outDir, report, summary, records)
    const output: CompareOutput = {
      report: "report.md",
      html: "report.html",
      metrics: "metrics.json",
      models: models.map((m) => m.name),
      summary,
      gate: gate && { passed: gate.passed, mode: gate.mode, regressed: gate.checks.filter((c) => c.regressed).map((c) => c.model) },
      leakage: { verdict: leakage.verdict, complete: leakage.complete, worstFraction: worstFraction(leakage) },
      flags
    }
    return output
  }) as Effect.Effect<CompareOutput, StageFailure>

// internal

type Wired = ReadonlyArray<readonly [string, Artifact<ModelInput>]>
type Records = Record<string, Record<string, ReadonlyArray<unknown>>>
type Summary = Record<string, Record<string, number | null>>

/** the wired model inputs, in the stage's order (earlier → later) */
const wiredModels = (names: ReadonlyArray<string>, inputs: Record<string, Artifact<ModelInput> | undefined>): Wired =>
  names.flatMap((n) => {
    const a = inputs[n]
    return a === undefined ? [] : [[n, a] as const]
  })

/**
 * Every evaluation set against each model's training data, before any model is loaded. A leak the
 * settings do not allow fails the stage; its figures are kept in the checkpoint folder.
 */
const leakageCheck = (ctx: StageContext, config: CompareConfig, sets: EvalSets, wired: Wired) =>
  Effect.gen(function* () {
    const lineages = new Map<string, TrainingLineage>(wired.map(([n, a]) => [n, trainingLineage(a)]))
    const leakage = yield* checkLeakage(
      leakageSets(sets),
      wired.map(([name]) => ({ name, lineage: lineages.get(name)! })),
      config.leakage
    )
    yield* ctx.metric("leakage", { verdict: leakage.verdict, complete: leakage.complete, worstFraction: worstFraction(leakage) })
    if (leakage.verdict === "leaked" && leakage.mode === "fail") {
      // the stage fails, so its artifact is not kept: leave the figures where the user can read them
      const keep = join(ctx.checkpoint.dir, "failed-report")
      yield* Effect.try({
        try: () => {
          mkdirSync(keep, { recursive: true })
          writeFileAtomic(join(keep, "leakage.json"), JSON.stringify(leakage, null, 2))
        },
        catch: (e) => new PermanentError({ message: `writing the leakage figures failed: ${errorMessage(e)}`, cause: e })
      })
      return yield* Effect.fail(new InputError({ message: `${leakageMessage(leakage)}
all figures: ${join(keep, "leakage.json")}`, location: "leakage" }))
    }
    if (leakage.verdict !== "clean") yield* ctx.log("warn", "evaluation items found in training data (allowed by leakage settings)", { verdict: leakage.verdict, worstFraction: worstFraction(leakage) })
    return { leakage, lineages }
  })

/** the models, one at a time (each is freed before the next is loaded) */
const evaluateModels = (ctx: StageContext, config: CompareConfig, sets: EvalSets, wired: Wired) =>
  Effect.gen(function* () {
    const models: Array<ReportModel> = []
    const records: Records = {}
    for (const [name, artifact] of wired) {
      const out = yield* Effect.scoped(
        Effect.gen(function* () {
          const opened = yield* openModel(name, artifact, config.decoding.seed, config.exam?.batchSize)
          const r = yield* evaluateModel(opened.lm, name, sets, config, ctx)
          if (opened.truncated() > 0) yield* ctx.log("warn", "prompts were cut to fit the model's context", { model: name, prompts: opened.truncated() })
          return r
        })
      )
      models.push({ name, lineage: modelLineage(artifact), curves: lossCurves(artifact), scores: out.scores })
      records[name] = out.records
    }
    return { models, records }
  })

/** a training stage that did not learn, a tuned model that answers like its input model: logged and reported */
const flagModels = (ctx: StageContext, wired: Wired, lineages: ReadonlyMap<string, TrainingLineage>, records: Records) =>
  Effect.gen(function* () {
    const flags: Array<ModelFlag> = [
      ...wired.flatMap(([name, artifact]) => notLearningFlag(name, learningOf(artifact.value) ?? learningOf(manifestOutput(artifact.dir))) ?? []),
      ...noEffectFlags(
        wired.map(([name, a]) => ({ name, key: a.key, ancestors: lineages.get(name)!.ancestors })),
        records
      ).map(({ model, kind, message }) => ({ model, kind, message }))
    ]
    for (const f of flags) yield* ctx.log("warn", f.message, { model: f.model, flag: f.kind })
    return flags
  })

/** the regression gate over the measured rows (the config rules made sure its set is evaluated) */
const gateOf = (config: CompareConfig, models: ReadonlyArray<ReportModel>, rows: ReadonlyArray<MetricRow>) =>
  Effect.gen(function* () {
    if (config.gate === undefined) return undefined
    const id = gateMetricId(config.gate.metric)
    const row = rows.find((r) => r.id === id)
    if (row === undefined) {
      const general = rows.filter((r) => r.id.startsWith("general")).map((r) => r.id)
      return yield* Effect.fail(
        new InputError({
          message: `gate.metric: "${config.gate.metric}" was not measured; the regression gate needs a general-ability set (general or generalQa)` +
            (general.length > 0 ? `, and measured here: ${general.join(", ")}` : ", and none is configured"),
          location: "gate.metric"
        })
      )
    }
    const order = models.map((m) => m.name)
    const reference = config.gate.reference ?? order[0]!
    const gate: GateResult = regressionGate({ reference, metric: config.gate.metric, maxDrop: config.gate.maxDrop, mode: config.gate.mode }, order, (n) =>
      row.values[order.indexOf(n)]?.value
    )
    return gate
  })

const reportOf = (
  config: CompareConfig,
  models: ReadonlyArray<ReportModel>,
  datasets: ReadonlyArray<DatasetLineage>,
  gate: GateResult | undefined,
  leakage: LeakageResult,
  flags: ReadonlyArray<ModelFlag>
): CompareReport => ({
  schema: "zaoji.metrics.compare/1",
  title: config.title,
  models: [...models],
  datasets: [...datasets],
  decoding: { strategy: "greedy", maxNewTokens: config.decoding.maxNewTokens, seed: config.decoding.seed },
  bootstrap: { resamples: config.bootstrap.resamples, seed: config.bootstrap.seed, level: 0.95 },
  exam: config.exam && { shots: config.exam.shots, target: config.exam.target, methods: config.exam.methods },
  general: config.general && { shots: config.general.shots, target: config.general.target, methods: config.general.methods },
  gate,
  leakage,
  flags: [...flags],
  definitions: METRIC_DEFINITIONS
})

/** metric id → model → value, null where not measured (or not finite) */
const summaryOf = (rows: ReadonlyArray<MetricRow>, models: ReadonlyArray<ReportModel>): Summary => {
  const summary: Summary = {}
  for (const row of rows)
    summary[row.id] = Object.fromEntries(models.map((m, i) => [m.name, row.values[i] !== undefined && Number.isFinite(row.values[i]!.value) ? row.values[i]!.value : null]))
  return summary
}

const writeReport = (dir: string, report: CompareReport, summary: Summary, records: Records) =>
  Effect.try({
    try: () => {
      mkdirSync(join(dir, "predictions"), { recursive: true })
      writeFileAtomic(join(dir, "report.md"), renderMarkdown(report))
      writeFileAtomic(join(dir, "report.html"), renderHtml(report))
      writeFileAtomic(join(dir, "metrics.json"), JSON.stringify({ ...report, summary }, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2))
      for (const [model, sets] of Object.entries(records))
        for (const [set, rows] of Object.entries(sets)) writeFileAtomic(join(dir, "predictions", `${model}.${set}.jsonl`), jsonl(rows))
    },
    catch: (e) => new PermanentError({ message: `writing the report failed: ${errorMessage(e)}`, cause: e })
  })

/** the gate in mode "fail" failed: the stage fails, so its artifact is not kept; the report is left in the checkpoint folder */
const failGate = (ctx: StageContext, gate: GateResult, report: CompareReport, summary: Summary, records: Records) =>
  Effect.gen(function* () {
    const keep = join(ctx.checkpoint.dir, "failed-report")
    yield* writeReport(keep, report, summary, records)
    const lines = gate.checks.filter((c) => c.regressed).map((c) => `${c.model}: general ${c.metric} ${c.value.toFixed(4)} vs ${c.reference} ${c.referenceValue.toFixed(4)} (drop ${c.drop.toFixed(4)} > ${gate.maxDrop})`)
    return yield* Effect.fail(
      new PermanentError({ message: `regression gate failed (forgetting on the general set):\n  ${lines.join("\n  ")}\nreport: ${join(keep, "report.md")}`, location: "gate" })
    )
  })

/** the evaluation items of every loaded set, as the leakage check compares them */
const leakageSets = (sets: EvalSets): Array<LeakageSet> => {
  const out: Array<LeakageSet> = []
  for (const [id, label] of [["exam", "exam"], ["general", "general exam"]] as const) {
    const data = sets[id]
    if (data !== undefined)
      out.push({
        id,
        label,
        items: data.questions.map((q) => ({ kind: "exam", id: q.id, stem: q.question, options: Object.values(q.options).filter((o) => o.trim() !== "") }))
      })
  }
  for (const [id, label, pairs] of [["qa", "QA", sets.qa], ["general_qa", "general QA", sets.generalQa]] as const)
    if (pairs !== undefined) out.push({ id, label, items: pairs.map((p) => ({ kind: "qa", id: p.id, question: p.question, answer: p.answer })) })
  if (sets.subjective !== undefined)
    out.push({ id: "subjective", label: "subjective", items: sets.subjective.items.map((it) => ({ kind: "qa", id: it.id, question: it.question, answer: it.reference })) })
  return out
}

const worstFraction = (l: LeakageResult): number => Math.max(0, ...l.checks.map((c) => c.fraction))

/** a model artifact's output value as its manifest records it (the training verdict may be there) */
const manifestOutput = (dir: string): unknown => {
  try {
    return (JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { output?: unknown }).output
  } catch {
    return undefined
  }
}

const jsonl = (rows: ReadonlyArray<unknown>) => rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length > 0 ? "\n" : "")

/** the metrics.json id a gate metric stands for: the short exam names are of the general exam set */
const gateMetricId = (metric: string): string =>
  metric === "acc" ? "general.loglik.acc" : metric === "acc_norm" ? "general.loglik.acc_norm" : metric === "generate.acc" ? "general.generate.acc" : metric
