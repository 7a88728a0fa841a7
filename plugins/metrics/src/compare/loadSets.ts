/**
 * The evaluation sets of `metrics.compare`, read and decoded, each with its lineage (file, sha256,
 * rows) for the report. Config-level rules are already checked (config.ts, wiring.ts); what is left
 * here is what only the files can tell: missing or malformed rows, an empty set or slice.
 */
import { join } from "node:path"
import { Effect, Schema } from "effect"
import { type Artifact, InputError, pathIn } from "@zaoji/core"
import { ExamQuestion, QaPair, type QaDataset, readRows } from "@zaoji/data"
import { readHumanScores } from "../judge/humanScores.js"
import { SubjectiveItem, type ScoredItem } from "../judge/scoreRate.js"
import { type DatasetLineage, fileSha256 } from "../report/lineage.js"
import type { CompareConfig, ExamSetConfig, QaSetConfig } from "./config.js"
import type { EvalSets, ExamSetData } from "./evaluateModel.js"
import { QA_SETS, type QaSet } from "./wiring.js"

/** the dataset inputs that stand in for QA set files */
export type DataInputs = Partial<Record<QaSet["input"], Artifact<QaDataset>>>

/** Every configured set, for the models in `models` (the human scores are theirs). */
export const loadSets = (baseDir: string, config: CompareConfig, dataInputs: DataInputs, models: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const datasets: Array<DatasetLineage> = []
    const sets: { -readonly [K in keyof EvalSets]: EvalSets[K] } = {}
    for (const role of ["exam", "general"] as const) {
      const c = config[role]
      if (c === undefined) continue
      const data = yield* loadExamSet(baseDir, c)
      sets[role] = data
      datasets.push(lineageOf(baseDir, role, c.file, data.questions.length))
      if (c.examples !== undefined) datasets.push(lineageOf(baseDir, `${role} examples`, c.examples, data.examples.length))
    }
    for (const q of QA_SETS) {
      const loaded = yield* loadQaSet(baseDir, q, config[q.key], dataInputs[q.input])
      if (loaded === undefined) continue
      sets[q.key] = loaded.pairs
      datasets.push(loaded.lineage)
    }
    if (config.subjective !== undefined) {
      const sc = config.subjective
      const items = yield* readSet(baseDir, sc.file, SubjectiveItem, sc.limit)
      datasets.push(lineageOf(baseDir, "subjective", sc.file, items.length))
      const human = new Map<string, ReadonlyArray<ScoredItem>>()
      for (const [model, file] of Object.entries(sc.humanScores ?? {})) {
        if (!models.includes(model)) continue
        human.set(model, yield* readHumanScores(pathIn(baseDir, file), items))
        datasets.push(lineageOf(baseDir, `human scores (${model})`, file, human.get(model)!.length))
      }
      sets.subjective = { items, cfg: sc, human }
    }
    return { sets: sets as EvalSets, datasets }
  })

/**
 * Read and decode the sets that come from files, without evaluating anything: the stage's `check`,
 * run before the workflow starts so a bad file read late fails at once.
 */
export const checkSetFiles = (baseDir: string, config: CompareConfig) =>
  Effect.gen(function* () {
    for (const role of ["exam", "general"] as const) {
      const c = config[role]
      if (c !== undefined) yield* loadExamSet(baseDir, c)
    }
    for (const q of QA_SETS) {
      const c = config[q.key]
      if (c?.file !== undefined) yield* readSet(baseDir, c.file, QaPair, c.limit)
    }
    const sc = config.subjective
    if (sc !== undefined) {
      const items = yield* readSet(baseDir, sc.file, SubjectiveItem, sc.limit)
      for (const file of Object.values(sc.humanScores ?? {})) yield* readHumanScores(pathIn(baseDir, file), items)
    }
  })

// internal

const readRowsAt = <A, I>(path: string, displayName: string, schema: Schema.Schema<A, I>, limit?: number) =>
  readRows(path, schema, { displayName }).pipe(
    Effect.map((r) => (limit !== undefined ? r.rows.slice(0, limit) : r.rows)),
    Effect.flatMap((rows) =>
      rows.length === 0 ? Effect.fail(new InputError({ message: `${displayName}: no rows to evaluate`, location: displayName })) : Effect.succeed(rows)
    )
  )

const readSet = <A, I>(baseDir: string, file: string, schema: Schema.Schema<A, I>, limit?: number) => readRowsAt(pathIn(baseDir, file), file, schema, limit)

const selected = (cfg: ExamSetConfig) => (q: ExamQuestion): boolean => {
  const s = cfg.select
  if (s === undefined) return true
  if (s.hepatobiliary !== undefined && q.is_hepatobiliary !== s.hepatobiliary) return false
  if (s.subjects !== undefined && !s.subjects.includes(q.subject ?? "")) return false
  if (s.sources !== undefined && !s.sources.includes(q.source ?? "")) return false
  return true
}

const loadExamSet = (baseDir: string, cfg: ExamSetConfig) =>
  Effect.gen(function* () {
    const all = yield* readSet(baseDir, cfg.file, ExamQuestion)
    const matching = all.filter(selected(cfg))
    if (matching.length === 0)
      return yield* Effect.fail(new InputError({ message: `${cfg.file}: no question matches select ${JSON.stringify(cfg.select)}`, location: "select" }))
    const questions = cfg.limit !== undefined ? matching.slice(0, cfg.limit) : matching
    const examples = cfg.examples !== undefined ? yield* readSet(baseDir, cfg.examples, ExamQuestion) : []
    const data: ExamSetData = { questions, examples, cfg }
    return data
  })

const lineageOf = (baseDir: string, role: string, file: string, rows: number): DatasetLineage => ({
  role,
  path: file,
  sha256: fileSha256(pathIn(baseDir, file)),
  rows
})

/** one QA set, from its wired dataset input or from its config file (the wiring rules allow one) */
const loadQaSet = (baseDir: string, set: QaSet, cfg: QaSetConfig | undefined, input: Artifact<QaDataset> | undefined) =>
  Effect.gen(function* () {
    if (input !== undefined) {
      const file = join(input.dir, input.value.file)
      const pairs = yield* readRowsAt(file, `inputs.${set.input} (${input.value.file})`, QaPair, cfg?.limit)
      const lineage: DatasetLineage = { role: set.role, path: input.value.file, sha256: fileSha256(file), rows: pairs.length, input: set.input, artifactKey: input.key }
      return { pairs, lineage }
    }
    if (cfg?.file === undefined) return undefined
    const pairs = yield* readSet(baseDir, cfg.file, QaPair, cfg.limit)
    return { pairs, lineage: lineageOf(baseDir, set.role, cfg.file, pairs.length) }
  })
