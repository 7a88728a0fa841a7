/**
 * The settings of a training run, each defined once: its type, its default and its help text, as
 * the fields of one Schema (LLaMA-Factory's `hparams` do the same with dataclass fields). A training
 * stage spreads `trainingFields(...)` into its config Schema, giving the defaults that differ by
 * stage (the learning rate always; pretraining also steps, warm-up and schedule); the trainer takes
 * the decoded type as it is, so a setting keeps one name from the workflow file to the optimizer.
 */
import { Option, Schema } from "effect"
import { LrScheduleKind } from "./schedule.js"
import { PosInt, NonNegInt } from "@zaoji/core"

const NonNegNumber = Schema.Number.pipe(Schema.nonNegative())

/** What a stage decides for itself; everything else has one default for every stage. */
export interface StageTrainingDefaults {
  readonly learningRate: number
  readonly schedule?: LrScheduleKind
  readonly warmupSteps?: number
}

/** a setting with a default, and its help */
const setting = <S extends Schema.Schema.AnyNoContext>(schema: S, value: Schema.Schema.Type<S>, help: string) =>
  Schema.optionalWith(schema, { default: () => value }).annotations({ description: help })

/**
 * A switch that is off by default and absent from the encoded config while off: the cache keys of
 * configs written before the switch existed do not change (a key is computed from the encoding).
 */
const flag = (help: string) =>
  Schema.optionalToRequired(Schema.Boolean, Schema.Boolean, {
    decode: Option.getOrElse(() => false),
    encode: (on) => (on ? Option.some(true) : Option.none())
  }).annotations({ description: `${help} (default false)` })

/** `steps`: absent in the fine-tuning stages (epochs decide); pretraining gives a default */
export const stepsSetting = {
  help: "optimizer steps; when absent, `epochs` passes over the training data decide",
  optional: () => Schema.optional(PosInt).annotations({ description: stepsSetting.help }),
  withDefault: (steps: number) => setting(PosInt, steps, stepsSetting.help)
} as const

/** The training settings' Schema fields with a stage's own defaults. */
export const trainingFields = (stage: StageTrainingDefaults) => ({
  learningRate: setting(Schema.Number.pipe(Schema.positive()), stage.learningRate, "peak learning rate of AdamW (after warm-up, before decay)"),
  steps: stepsSetting.optional(),
  epochs: setting(Schema.Number.pipe(Schema.positive()), 1, "passes over the training data when `steps` is absent (fractions allowed)"),
  batchSize: setting(PosInt, 8, "examples per micro-batch"),
  gradientAccumulation: setting(PosInt, 1, "micro-batches per optimizer step (the effective batch is batchSize × this)"),
  schedule: setting(LrScheduleKind, stage.schedule ?? "linear", "learning-rate schedule after warm-up: constant, linear or cosine decay to 0 over the run's steps"),
  warmupSteps: setting(NonNegInt, stage.warmupSteps ?? 0, "steps of linear warm-up from 0 to learningRate"),
  weightDecay: setting(NonNegNumber, 0, "AdamW decoupled weight decay (the HF Trainer's default 0)"),
  maxGradNorm: setting(NonNegNumber, 1, "global-norm gradient clipping threshold; 0 disables clipping"),
  evalEvery: setting(NonNegInt, 0, "validation loss every K optimizer steps; 0 = only at the end"),
  earlyStoppingPatience: setting(NonNegInt, 0, "stop after this many evaluations without improvement; 0 disables early stopping"),
  earlyStoppingMinDelta: setting(NonNegNumber, 0, "an evaluation improves when its loss is lower than the best by more than this"),
  seed: setting(Schema.Int, 42, "seed of the data order, the validation hold-out and any initialisation"),
  workers: setting(
    Schema.Union(PosInt, Schema.Literal("auto")),
    "auto" as const,
    'data-parallel worker threads, or "auto" (more than one only where it is faster)'
  ),
  checkpointEvery: setting(NonNegInt, 50, "save the training state every K optimizer steps (and always on interrupt); 0 = only on interrupt"),
  validationRatio: setting(Schema.Number.pipe(Schema.between(0, 0.5)), 0.05, "share of the data held out for validation when no validation input is wired"),
  recompute: flag(
    "activation recomputation: the forward keeps only each layer's input and the backward recomputes one layer at a time, " +
      "so activations take one layer's memory instead of every layer's, for about one more forward pass of compute; " +
      "the gradients equal the default path's up to float rounding (long sequences, 6B models on a GPU)"
  )
})

/** The decoded training settings (what the trainer reads). */
export type TrainingSettings = Schema.Struct.Type<ReturnType<typeof trainingFields>>

/** The settings every default gives, with a learning rate (tests and tools that train outside a stage). */
export const trainingDefaults = (stage: StageTrainingDefaults): TrainingSettings =>
  Schema.decodeUnknownSync(Schema.Struct(trainingFields(stage)))({})
