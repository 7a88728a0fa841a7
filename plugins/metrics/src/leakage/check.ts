/**
 * The leakage check of `metrics.compare`: every evaluation set against all training data in each
 * evaluated model's lineage (`trainingLineage.ts`), item by item (`overlap.ts`). The figures per
 * set × model (items, overlapping items, exact ones, fraction, a few examples) go into metrics.json
 * and the report; the policy (`leakage.maxFraction`, `leakage.mode`) decides whether the stage fails.
 */
import { Effect, Schema } from "effect"
import type { InputError } from "@zaoji/core"
import { readRows } from "@zaoji/data"
import { type EvalItem, type TrainingUnit, UnitIndex, type UnitMatch, unitOf } from "./overlap.js"
import { type TrainingLineage, type TrainingSource, type UnresolvedLineage } from "./trainingLineage.js"
import type { LeakageConfig } from "./config.js"

/** an evaluation set as the check sees it */
export interface LeakageSet {
  /** the set's id in metric ids: exam, general, qa, general_qa, subjective */
  readonly id: string
  readonly label: string
  readonly items: ReadonlyArray<EvalItem>
}

export interface LeakageExample {
  readonly id: string
  readonly text: string
  readonly level: "exact" | "normalised"
  /** where it was trained on: `stage (input of trainer) file:line` */
  readonly trainedOn: string
}

export interface LeakageCheck {
  readonly set: string
  readonly label: string
  readonly model: string
  readonly n: number
  /** items matching a training unit exactly */
  readonly exact: number
  /** items matching exactly or after normalisation */
  readonly overlapping: number
  readonly fraction: number
  readonly examples: ReadonlyArray<LeakageExample>
}

export interface TrainingDataRef {
  readonly trainedBy: string
  readonly input: string
  readonly stage: string
  readonly key: string
  readonly file: string
  readonly rows: number
}

export interface ModelTrainingData {
  readonly model: string
  readonly sources: ReadonlyArray<TrainingDataRef>
  readonly imported: ReadonlyArray<{ readonly stage: string; readonly key: string }>
  readonly unresolved: ReadonlyArray<UnresolvedLineage>
}

export interface LeakageResult {
  readonly maxFraction: number
  readonly mode: "fail" | "flag"
  /** clean: no overlap; allowed: overlap within maxFraction; leaked: beyond it */
  readonly verdict: "clean" | "allowed" | "leaked"
  /** false when some lineage could not be read (the check is incomplete) */
  readonly complete: boolean
  readonly checks: ReadonlyArray<LeakageCheck>
  readonly models: ReadonlyArray<ModelTrainingData>
}

const shorten = (s: string, max = 80): string => {
  const flat = s.replace(/\s+/g, " ").trim()
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`
}

const itemText = (item: EvalItem): string =>
  item.kind === "qa" ? `${item.question} → ${item.answer}` : `${item.stem} (${item.options.join(" / ")})`

const readUnits = (source: TrainingSource): Effect.Effect<ReadonlyArray<TrainingUnit>, InputError> =>
  readRows(source.path, Schema.Unknown, { displayName: `${source.stage}/${source.file}` }).pipe(
    Effect.map((r) => r.rows.flatMap((row, i) => unitOf(row, r.lines[i] ?? i + 1) ?? []))
  )

/** check every set against every model's training data */
export const checkLeakage = (
  sets: ReadonlyArray<LeakageSet>,
  models: ReadonlyArray<{ readonly name: string; readonly lineage: TrainingLineage }>,
  policy: LeakageConfig
): Effect.Effect<LeakageResult, InputError> =>
  Effect.gen(function* () {
    // a file in several lineages (stage 1's data is in stage 2's too) is read and indexed once
    const indexes = new Map<string, UnitIndex>()
    const indexOf = (s: TrainingSource) =>
      Effect.gen(function* () {
        const hit = indexes.get(s.path)
        if (hit !== undefined) return hit
        const index = new UnitIndex(yield* readUnits(s))
        indexes.set(s.path, index)
        return index
      })
    // a file in several lineages is searched once per item: the answer does not depend on the model
    const memo = new Map<string, UnitMatch | undefined>()
    const findOnce = (path: string, ix: UnitIndex, itemKey: string, item: EvalItem): UnitMatch | undefined => {
      const key = `${path}\u0000${itemKey}`
      if (!memo.has(key)) memo.set(key, ix.find(item))
      return memo.get(key)
    }
    const checks: Array<LeakageCheck> = []
    const trained: Array<ModelTrainingData> = []
    for (const m of models) {
      const sources: Array<readonly [TrainingSource, UnitIndex]> = []
      for (const s of m.lineage.sources) sources.push([s, yield* indexOf(s)])
      trained.push({
        model: m.name,
        sources: sources.map(([s, ix]) => ({ trainedBy: s.trainedBy, input: s.input, stage: s.stage, key: s.key, file: s.file, rows: ix.units.length })),
        imported: m.lineage.imported,
        unresolved: m.lineage.unresolved
      })
      for (const set of sets) {
        let exact = 0
        let overlapping = 0
        const examples: Array<LeakageExample> = []
        for (const [i, item] of set.items.entries()) {
          let found: { s: TrainingSource; level: "exact" | "normalised"; line: number } | undefined
          for (const [s, ix] of sources) {
            const hit = findOnce(s.path, ix, `${set.id}\u0000${i}`, item)
            if (hit !== undefined && (found === undefined || (found.level === "normalised" && hit.level === "exact"))) found = { s, level: hit.level, line: hit.line }
            if (found?.level === "exact") break
          }
          if (found === undefined) continue
          overlapping++
          if (found.level === "exact") exact++
          if (examples.length < policy.examples)
            examples.push({
              id: item.id,
              text: shorten(itemText(item)),
              level: found.level,
              trainedOn: `${found.s.stage} (${found.s.input} of ${found.s.trainedBy}) ${found.s.file}:${found.line}`
            })
        }
        const n = set.items.length
        checks.push({ set: set.id, label: set.label, model: m.name, n, exact, overlapping, fraction: n === 0 ? 0 : overlapping / n, examples })
      }
    }
    const worst = Math.max(0, ...checks.map((c) => c.fraction))
    const verdict = worst === 0 ? "clean" : worst <= policy.maxFraction ? "allowed" : "leaked"
    return {
      maxFraction: policy.maxFraction,
      mode: policy.mode,
      verdict,
      complete: models.every((m) => m.lineage.unresolved.length === 0),
      checks,
      models: trained
    }
  })

/** the message a failing check gives: the sets, the counts and a few examples */
export const leakageMessage = (r: LeakageResult): string => {
  const bad = r.checks.filter((c) => c.fraction > r.maxFraction)
  const lines = bad.map((c) => {
    const ex = c.examples.map((e) => `\n      ${e.id}: "${e.text}" — ${e.level} in ${e.trainedOn}`).join("")
    return `  ${c.label} × ${c.model}: ${c.overlapping} of ${c.n} items (${(100 * c.fraction).toFixed(1)}%, ${c.exact} exact) are in its training data${ex}`
  })
  const allowed = r.maxFraction === 0 ? "none is allowed" : `at most ${(100 * r.maxFraction).toFixed(1)}% is allowed`
  return (
    `evaluation data found in training data (leakage; ${allowed}):\n${lines.join("\n")}\n` +
    `Evaluate on data no compared model trained on (e.g. build stage-2 replay data from the stage-1 training part, not from the whole set the test part was split from), ` +
    `or allow a share with leakage.maxFraction, or report only with leakage.mode "flag".`
  )
}
