/**
 * `metrics.compare`: evaluate several models on the same sets and write `report.md`,
 * `report.html`, `metrics.json` and per-item predictions. The models are the stage's inputs, in the
 * order the stage lists them (earlier → later, which the regression gate relies on).
 * `compareModels(["base", "stage1", "stage2"])` makes a stage with those input names (the first
 * required, the others optional); `compare` is that default. Beside the models, two optional
 * dataset inputs take QA sets made upstream (e.g. a held-out split): `heldOut` (the specialty QA set,
 * in place of `qa.file`) and `generalQa` (general-ability QA, in place of `generalQa.file`).
 */
import { isAbsolute, join, resolve } from "node:path"
import { mkdirSync, readFileSync } from "node:fs"
import { Effect, Schema } from "effect"
import { type Artifact, InputError, PermanentError, Stage, type StageContext, type StageFailure, writeFileAtomic } from "@zaoji/core"
import { ExamQuestion, QaPair, type QaDataset, readRows } from "@zaoji/data"
import { METRIC_DEFINITIONS } from "../report/definitions.js"
import { regressionGate, type GateResult } from "../report/gate.js"
import { type DatasetLineage, fileSha256, lossCurves, modelLineage } from "../report/lineage.js"
import { readHumanScores } from "../judge/humanScores.js"
import { SubjectiveItem, type ScoredItem } from "../judge/scoreRate.js"
import { CompareConfig, type ExamSetConfig, type QaSetConfig } from "./config.js"
import { type EvalSets, type ExamSetData, evaluateModel } from "./evaluateModel.js"
import { type CompareReport, metricRows, renderHtml, renderMarkdown, type ReportModel } from "./report.js"
import { checkLeakage, leakageMessage, type LeakageResult, type LeakageSet } from "../leakage/check.js"
import { trainingLineage, type TrainingLineage } from "../leakage/trainingLineage.js"
import { learningOf, type ModelFlag, noEffectFlags, notLearningFlag } from "./flags.js"
import { type ModelInput, openModel } from "./resolveModel.js"

export const CompareOutput = Schema.Struct({
  report: Schema.String,
  html: Schema.String,
  metrics: Schema.String,
  models: Schema.Array(Schema.String),
  /** metric id → model → value (null where not measured) */
  summary: Schema.Record({ key: Schema.String, value: Schema.Record({ key: Schema.String, value: Schema.NullOr(Schema.Number) }) }),
  gate: Schema.optional(Schema.Struct({ passed: Schema.Boolean, mode: Schema.Literal("fail", "flag"), regressed: Schema.Array(Schema.String) })),
  /** the leakage check: clean, allowed (within leakage.maxFraction) or leaked (flagged); the largest overlap share */
  leakage: Schema.optional(Schema.Struct({ verdict: Schema.Literal("clean", "allowed", "leaked"), complete: Schema.Boolean, worstFraction: Schema.Number })),
  /** what a reader must know: models whose training did not learn, tuned models with no effect */
  flags: Schema.optional(Schema.Array(Schema.Struct({ model: Schema.String, kind: Schema.Literal("not-learning", "no-effect"), message: Schema.String })))
})
export type CompareOutput = typeof CompareOutput.Type

const pathIn = (ctx: Pick<StageContext, "baseDir">, p: string) => (isAbsolute(p) ? p : resolve(ctx.baseDir, p))

const readRowsAt = <A, I>(path: string, displayName: string, schema: Schema.Schema<A, I>, limit?: number) =>
  readRows(path, schema, { displayName }).pipe(
    Effect.map((r) => (limit !== undefined ? r.rows.slice(0, limit) : r.rows)),
    Effect.flatMap((rows) =>
      rows.length === 0 ? Effect.fail(new InputError({ message: `${displayName}: no rows to evaluate`, location: displayName })) : Effect.succeed(rows)
    )
  )

const readSet = <A, I>(ctx: Pick<StageContext, "baseDir">, file: string, schema: Schema.Schema<A, I>, limit?: number) => readRowsAt(pathIn(ctx, file), file, schema, limit)

const selected = (cfg: ExamSetConfig) => (q: ExamQuestion): boolean => {
  const s = cfg.select
  if (s === undefined) return true
  if (s.hepatobiliary !== undefined && q.is_hepatobiliary !== s.hepatobiliary) return false
  if (s.subjects !== undefined && !s.subjects.includes(q.subject ?? "")) return false
  if (s.sources !== undefined && !s.sources.includes(q.source ?? "")) return false
  return true
}

const loadExamSet = (ctx: Pick<StageContext, "baseDir">, cfg: ExamSetConfig) =>
  Effect.gen(function* () {
    const all = yield* readSet(ctx, cfg.file, ExamQuestion)
    const matching = all.filter(selected(cfg))
    if (matching.length === 0)
      return yield* Effect.fail(new InputError({ message: `${cfg.file}: no question matches select ${JSON.stringify(cfg.select)}`, location: "select" }))
    const questions = cfg.limit !== undefined ? matching.slice(0, cfg.limit) : matching
    if (cfg.shots > 0 && cfg.examples === undefined)
      return yield* Effect.fail(new InputError({ message: `shots is ${cfg.shots} but no examples file is given (k-shot examples come from a separate split)`, location: "examples" }))
    const examples = cfg.examples !== undefined ? yield* readSet(ctx, cfg.examples, ExamQuestion) : []
    const data: ExamSetData = { questions, examples, cfg }
    return data
  })

const lineageOf = (ctx: StageContext, role: string, file: string, rows: number): DatasetLineage => ({
  role,
  path: file,
  sha256: fileSha256(pathIn(ctx, file)),
  rows
})

/** the QA sets: config key, the dataset input that can stand in for its file, the report's name */
const QA_SETS = [
  { key: "qa", input: "heldOut", role: "qa" },
  { key: "generalQa", input: "generalQa", role: "general QA" }
] as const
const DATA_INPUTS: ReadonlyArray<string> = QA_SETS.map((q) => q.input)

/** one QA set, from its config file or from its wired dataset input (never both) */
const loadQaSet = (ctx: StageContext, set: (typeof QA_SETS)[number], cfg: QaSetConfig | undefined, input: Artifact<QaDataset> | undefined) =>
  Effect.gen(function* () {
    if (cfg?.file !== undefined && input !== undefined)
      return yield* Effect.fail(
        new InputError({
          message: `${set.key}.file ("${cfg.file}") and the ${set.input} input are both given; a set comes from one of them: remove ${set.key}.file or leave ${set.input} unwired`,
          location: `${set.key}.file`
        })
      )
    if (input !== undefined) {
      const file = join(input.dir, input.value.file)
      const pairs = yield* readRowsAt(file, `inputs.${set.input} (${input.value.file})`, QaPair, cfg?.limit)
      const lineage: DatasetLineage = { role: set.role, path: input.value.file, sha256: fileSha256(file), rows: pairs.length, input: set.input, artifactKey: input.key }
      return { pairs, lineage }
    }
    if (cfg === undefined) return undefined
    if (cfg.file === undefined)
      return yield* Effect.fail(new InputError({ message: `${set.key}: expected a file (${set.key}.file) or a wired ${set.input} input, got neither`, location: set.key }))
    const pairs = yield* readSet(ctx, cfg.file, QaPair, cfg.limit)
    return { pairs, lineage: lineageOf(ctx, set.role, cfg.file, pairs.length) }
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

/** QA sets made upstream (any `QaDataset` output, e.g. `datasets.pick` of a split's test part) */
export interface CompareDataInputs {
  /** specialty held-out QA, used as the `qa` set */
  readonly heldOut: QaDataset | undefined
  /** general-ability held-out QA, the `generalQa` set */
  readonly generalQa: QaDataset | undefined
}

/**
 * The first model (the earliest, the gate's default reference) is required; the other models and
 * the dataset inputs are optional.
 */
export type CompareInputs<Names extends readonly [string, ...Array<string>]> = {
  [K in Names[number] | keyof CompareDataInputs]: K extends keyof CompareDataInputs ? CompareDataInputs[K] : K extends Names[0] ? ModelInput : ModelInput | undefined
}

export const compareModels = <const Names extends readonly [string, ...Array<string>]>(names: Names) => {
  const clash = names.filter((n) => DATA_INPUTS.includes(n))
  if (clash.length > 0) throw new Error(`compareModels: ${clash.join(", ")} is a dataset input of metrics.compare; give the model another name`)
  type Name = keyof CompareInputs<Names> & string
  return Stage.make({
    name: "metrics.compare",
    // 3: the leakage check, QA bootstrap intervals, flags, the headline
    version: "3",
    config: CompareConfig,
    output: CompareOutput,
    inputs: Stage.inputsWithOptional<CompareInputs<Names>>([...names, ...DATA_INPUTS] as ReadonlyArray<Name>, [...names.slice(1), ...DATA_INPUTS] as ReadonlyArray<Name>),
    compute: true,
    files: (c) =>
      [c.exam?.file, c.exam?.examples, c.general?.file, c.general?.examples, c.qa?.file, c.generalQa?.file, c.subjective?.file, ...Object.values(c.subjective?.humanScores ?? {})].filter(
        (f): f is string => f !== undefined
      ),
    // the evaluation sets are read last in a workflow: check them before any training starts
    check: ({ config, baseDir }) =>
      Effect.gen(function* () {
        const at = { baseDir }
        for (const role of ["exam", "general"] as const) {
          const c = config[role]
          if (c !== undefined) yield* loadExamSet(at, c)
        }
        for (const q of QA_SETS) {
          const c = config[q.key]
          if (c?.file !== undefined) yield* readSet(at, c.file, QaPair, c.limit)
        }
        const sc = config.subjective
        if (sc !== undefined) {
          const items = yield* readSet(at, sc.file, SubjectiveItem, sc.limit)
          for (const file of Object.values(sc.humanScores ?? {})) yield* readHumanScores(pathIn(at, file), items)
        }
      }),
    run: ({ config, inputs, ctx }) =>
      Effect.gen(function* () {
        const wired = names.flatMap((n) => {
          const a = (inputs as Record<string, Artifact<ModelInput> | undefined>)[n]
          return a === undefined ? [] : [[n, a] as const]
        })
        const dataInputs = inputs as unknown as Partial<Record<(typeof QA_SETS)[number]["input"], Artifact<QaDataset>>>
        if (wired.length === 0)
          return yield* Effect.fail(new InputError({ message: `metrics.compare needs at least one model input (one of ${names.join(", ")})`, location: "inputs" }))
        if (!config.exam && !config.qa && !config.general && !config.generalQa && !config.subjective && QA_SETS.every((q) => dataInputs[q.input] === undefined))
          return yield* Effect.fail(
            new InputError({ message: "metrics.compare: configure at least one of exam, qa, general, generalQa, subjective (or wire heldOut / generalQa)", location: "config" })
          )

        // data sets
        const datasets: Array<DatasetLineage> = []
        const sets: { -readonly [K in keyof EvalSets]: EvalSets[K] } = {}
        for (const role of ["exam", "general"] as const) {
          const c = config[role]
          if (c === undefined) continue
          const data = yield* loadExamSet(ctx, c)
          sets[role] = data
          datasets.push(lineageOf(ctx, role, c.file, data.questions.length))
          if (c.examples !== undefined) datasets.push(lineageOf(ctx, `${role} examples`, c.examples, data.examples.length))
        }
        for (const q of QA_SETS) {
          const loaded = yield* loadQaSet(ctx, q, config[q.key], dataInputs[q.input])
          if (loaded === undefined) continue
          sets[q.key] = loaded.pairs
          datasets.push(loaded.lineage)
        }
        if (config.subjective !== undefined) {
          const sc = config.subjective
          const items = yield* readSet(ctx, sc.file, SubjectiveItem, sc.limit)
          datasets.push(lineageOf(ctx, "subjective", sc.file, items.length))
          const human = new Map<string, ReadonlyArray<ScoredItem>>()
          for (const [model, file] of Object.entries(sc.humanScores ?? {})) {
            if (!wired.some(([n]) => n === model))
              return yield* Effect.fail(new InputError({ message: `subjective.humanScores: "${model}" is not a model input (inputs: ${wired.map(([n]) => n).join(", ")})`, location: "subjective.humanScores" }))
            human.set(model, yield* readHumanScores(pathIn(ctx, file), items))
            datasets.push(lineageOf(ctx, `human scores (${model})`, file, human.get(model)!.length))
          }
          if (sc.judge === undefined && human.size < wired.length)
            return yield* Effect.fail(new InputError({ message: "subjective: give a judge endpoint or human scores for every model", location: "subjective" }))
          sets.subjective = { items, cfg: sc, human }
        }

        // a gate on a set that is not evaluated is a configuration error: say so before evaluating anything
        if (config.gate !== undefined) {
          const needs = config.gate.metric.startsWith("general_qa.") ? "generalQa" : "general"
          if (sets[needs] === undefined)
            return yield* Effect.fail(
              new InputError({
                message: `gate.metric: "${config.gate.metric}" is a metric of the ${needs} set, which is not configured (${needs === "general" ? "general.file" : "generalQa.file or a wired generalQa input"})`,
                location: "gate.metric"
              })
            )
        }

        // leakage: every evaluation set against each model's training data, before any model is loaded
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
            catch: (e) => new PermanentError({ message: `writing the leakage figures failed: ${(e as Error).message}`, cause: e })
          })
          return yield* Effect.fail(new InputError({ message: `${leakageMessage(leakage)}
all figures: ${join(keep, "leakage.json")}`, location: "leakage" }))
        }
        if (leakage.verdict !== "clean") yield* ctx.log("warn", "evaluation items found in training data (allowed by leakage settings)", { verdict: leakage.verdict, worstFraction: worstFraction(leakage) })

        // models, one at a time (each is freed before the next is loaded)
        const models: Array<ReportModel> = []
        const records: Record<string, Record<string, ReadonlyArray<unknown>>> = {}
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

        // flags: a training stage that did not learn, a tuned model that answers like its input model
        const flags: Array<ModelFlag> = [
          ...wired.flatMap(([name, artifact]) => notLearningFlag(name, learningOf(artifact.value) ?? learningOf(manifestOutput(artifact.dir))) ?? []),
          ...noEffectFlags(
            wired.map(([name, a]) => ({ name, key: a.key, ancestors: lineages.get(name)!.ancestors })),
            records
          ).map(({ model, kind, message }) => ({ model, kind, message }))
        ]
        for (const f of flags) yield* ctx.log("warn", f.message, { model: f.model, flag: f.kind })

        // every metric as rows, once: the gate reads one of them, the summary all of them
        const rows = metricRows(models)
        let gate: GateResult | undefined
        if (config.gate !== undefined) {
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
          const reference = config.gate.reference ?? order[0]
          if (!order.includes(reference))
            return yield* Effect.fail(new InputError({ message: `gate.reference: "${reference}" is not a model input (inputs: ${order.join(", ")})`, location: "gate.reference" }))
          gate = regressionGate({ reference, metric: config.gate.metric, maxDrop: config.gate.maxDrop, mode: config.gate.mode }, order, (n) =>
            row.values[order.indexOf(n)]?.value
          )
        }

        const report: CompareReport = {
          schema: "zaoji.metrics.compare/1",
          title: config.title,
          models,
          datasets,
          decoding: { strategy: "greedy", maxNewTokens: config.decoding.maxNewTokens, seed: config.decoding.seed },
          bootstrap: { resamples: config.bootstrap.resamples, seed: config.bootstrap.seed, level: 0.95 },
          exam: config.exam && { shots: config.exam.shots, target: config.exam.target, methods: config.exam.methods },
          general: config.general && { shots: config.general.shots, target: config.general.target, methods: config.general.methods },
          gate,
          leakage,
          flags,
          definitions: METRIC_DEFINITIONS
        }
        const summary: Record<string, Record<string, number | null>> = {}
        for (const row of rows)
          summary[row.id] = Object.fromEntries(models.map((m, i) => [m.name, row.values[i] !== undefined && Number.isFinite(row.values[i]!.value) ? row.values[i]!.value : null]))

        const write = (dir: string) =>
          Effect.try({
            try: () => {
              mkdirSync(join(dir, "predictions"), { recursive: true })
              writeFileAtomic(join(dir, "report.md"), renderMarkdown(report))
              writeFileAtomic(join(dir, "report.html"), renderHtml(report))
              writeFileAtomic(join(dir, "metrics.json"), JSON.stringify({ ...report, summary }, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v), 2))
              for (const [model, sets] of Object.entries(records))
                for (const [set, rows] of Object.entries(sets)) writeFileAtomic(join(dir, "predictions", `${model}.${set}.jsonl`), jsonl(rows))
            },
            catch: (e) => new PermanentError({ message: `writing the report failed: ${(e as Error).message}`, cause: e })
          })
        for (const [id, byModel] of Object.entries(summary)) yield* ctx.metric(id, byModel)

        if (gate !== undefined && !gate.passed && gate.mode === "fail") {
          // the stage fails, so its artifact is not kept: leave the report where the user can read it
          const keep = join(ctx.checkpoint.dir, "failed-report")
          yield* write(keep)
          const lines = gate.checks.filter((c) => c.regressed).map((c) => `${c.model}: general ${c.metric} ${c.value.toFixed(4)} vs ${c.reference} ${c.referenceValue.toFixed(4)} (drop ${c.drop.toFixed(4)} > ${gate!.maxDrop})`)
          return yield* Effect.fail(
            new PermanentError({ message: `regression gate failed (forgetting on the general set):\n  ${lines.join("\n  ")}\nreport: ${join(keep, "report.md")}`, location: "gate" })
          )
        }
        yield* write(ctx.outDir)
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
  })
}

/** the paper's comparison: base model, after stage 1, after stage 2 */
export const compare = compareModels(["base", "stage1", "stage2"])
