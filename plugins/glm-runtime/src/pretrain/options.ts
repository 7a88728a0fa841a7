/**
 * Training options shared by the training stages (glm.pretrain, ptuning-v2.train, freeze.train).
 * Each stage adds its own fields and its own learning-rate default.
 */
import { Schema } from "effect"
import { LrScheduleKind, trainerDefaults, type TrainerConfig } from "@zaoji/training"

const PosInt = Schema.Int.pipe(Schema.positive())
const NonNegInt = Schema.Int.pipe(Schema.nonNegative())

export const trainingOptionFields = {
  /** optimizer steps; when absent, `epochs` passes over the training data */
  steps: Schema.optional(PosInt),
  epochs: Schema.optionalWith(Schema.Number.pipe(Schema.positive()), { default: () => 1 }),
  batchSize: Schema.optionalWith(PosInt, { default: () => 8 }),
  gradientAccumulation: Schema.optionalWith(PosInt, { default: () => 1 }),
  schedule: Schema.optionalWith(LrScheduleKind, { default: () => "linear" as const }),
  warmupSteps: Schema.optionalWith(NonNegInt, { default: () => 0 }),
  /** AdamW decoupled weight decay (the HF Trainer's default 0) */
  weightDecay: Schema.optionalWith(Schema.Number.pipe(Schema.nonNegative()), { default: () => 0 }),
  /** global-norm clipping; 0 disables */
  maxGradNorm: Schema.optionalWith(Schema.Number.pipe(Schema.nonNegative()), { default: () => 1 }),
  /** validation loss every K steps; 0 = only at the end */
  evalEvery: Schema.optionalWith(NonNegInt, { default: () => 0 }),
  /** stop after this many evaluations without improvement; 0 disables */
  earlyStoppingPatience: Schema.optionalWith(NonNegInt, { default: () => 0 }),
  earlyStoppingMinDelta: Schema.optionalWith(Schema.Number.pipe(Schema.nonNegative()), { default: () => 0 }),
  seed: Schema.optionalWith(Schema.Int, { default: () => 42 }),
  /** data-parallel worker threads, or "auto" (more than one only where it is faster) */
  workers: Schema.optionalWith(Schema.Union(PosInt, Schema.Literal("auto")), { default: () => "auto" as const }),
  /** checkpoint every K steps (and on interrupt) */
  checkpointEvery: Schema.optionalWith(NonNegInt, { default: () => 50 }),
  /** share of the data held out for validation when no validation input is wired */
  validationRatio: Schema.optionalWith(Schema.Number.pipe(Schema.between(0, 0.5)), { default: () => 0.05 })
} as const

/** Fields of the fine-tuning stages (ptuning-v2.train, freeze.train) on top of the training options. */
export const supervisedOptionFields = {
  maxSourceLength: Schema.optionalWith(PosInt, { default: () => 64 }),
  maxTargetLength: Schema.optionalWith(PosInt, { default: () => 128 }),
  /** prompt format (default: the tokenizer's) */
  chatFormat: Schema.optional(Schema.Literal("glm1", "glm2", "glm3"))
} as const

export interface TrainingOptions {
  readonly learningRate: number
  readonly steps?: number | undefined
  readonly epochs: number
  readonly batchSize: number
  readonly gradientAccumulation: number
  readonly schedule: LrScheduleKind
  readonly warmupSteps: number
  readonly weightDecay: number
  readonly maxGradNorm: number
  readonly evalEvery: number
  readonly earlyStoppingPatience: number
  readonly earlyStoppingMinDelta: number
  readonly seed: number
  readonly workers: number | "auto"
  readonly checkpointEvery: number
  readonly validationRatio: number
}

export const toTrainerConfig = (o: TrainingOptions): TrainerConfig => ({
  ...trainerDefaults,
  batchSize: o.batchSize,
  gradientAccumulation: o.gradientAccumulation,
  ...(o.steps !== undefined ? { steps: o.steps } : { epochs: o.epochs }),
  lr: o.learningRate,
  schedule: o.schedule,
  warmupSteps: o.warmupSteps,
  adamw: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: o.weightDecay },
  maxGradNorm: o.maxGradNorm,
  evalEvery: o.evalEvery,
  earlyStoppingPatience: o.earlyStoppingPatience,
  earlyStoppingMinDelta: o.earlyStoppingMinDelta,
  seed: o.seed,
  shuffle: true,
  checkpointEvery: o.checkpointEvery
})
