/**
 * `metrics.compare`: evaluate several models on the same sets and write `report.md`,
 * `report.html`, `metrics.json` and per-item predictions. The models are the stage's inputs, in the
 * order the stage lists them (earlier → later, which the regression gate relies on).
 * `compareModels(["base", "stage1", "stage2"])` makes a stage with those input names (the first
 * required, the others optional); `compare` is that default. Beside the models, two optional
 * dataset inputs take QA sets made upstream (e.g. a held-out split): `heldOut` (the specialty QA set,
 * in place of `qa.file`) and `generalQa` (general-ability QA, in place of `generalQa.file`).
 *
 * The run, in order: load the sets → leakage check → evaluate each model → flags → metric rows →
 * gate → report written (or kept in the checkpoint when the leakage check or the gate fails it).
 * Rules between config fields and the wiring fail before all that, when the workflow is planned.
 */
import { Effect, Schema } from "effect"
import { Stage } from "@zaoji/core"
import type { QaDataset } from "@zaoji/data"
import { compareConfigFor } from "./config.js"
import { checkSetFiles } from "./loadSets.js"
import type { ModelInput } from "./resolveModel.js"
import { compareWiringIssues, DATA_INPUTS } from "./wiring.js"

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
    config: compareConfigFor(names),
    output: CompareOutput,
    inputs: Stage.inputsWithOptional<CompareInputs<Names>>([...names, ...DATA_INPUTS] as ReadonlyArray<Name>, [...names.slice(1), ...DATA_INPUTS] as ReadonlyArray<Name>),
    compute: true,
    files: (c) =>
      [c.exam?.file, c.exam?.examples, c.general?.file, c.general?.examples, c.qa?.file, c.generalQa?.file, c.subjective?.file, ...Object.values(c.subjective?.humanScores ?? {})].filter(
        (f): f is string => f !== undefined
      ),
    checkWiring: ({ config, wired }) => compareWiringIssues(config, names, wired),
    // the evaluation sets are read last in a workflow: check them before any training starts
    check: ({ config, baseDir }) => checkSetFiles(baseDir, config),
    // the run (models, tfjs, the LLM judge) is loaded when the stage runs, not when a workflow is planned
    run: (args) => Effect.flatMap(Effect.promise(() => import("./run.js")), (m) => m.runCompare(names, args))
  })
}

/** the paper's comparison: base model, after stage 1, after stage 2 */
export const compare = compareModels(["base", "stage1", "stage2"])
