/**
 * What a model-producing stage (glm.pretrain, ptuning-v2.train, freeze.train, lora.train) returns: a model
 * folder inside its artifact (loadable with `loadModelFolder(join(artifact.dir, value.model))`) and
 * a summary of the training run. The full loss curve also goes into the stage manifest's metrics.
 */
import { Schema } from "effect"

export const CurvePoint = Schema.Struct({ step: Schema.Int, loss: Schema.Number })

export const TrainingSummary = Schema.Struct({
  steps: Schema.Int,
  epochs: Schema.Number,
  trainExamples: Schema.Int,
  validationExamples: Schema.Int,
  trainableParams: Schema.Int,
  finalTrainLoss: Schema.NullOr(Schema.Number),
  finalEvalLoss: Schema.NullOr(Schema.Number),
  bestEvalLoss: Schema.NullOr(Schema.Number),
  stoppedEarly: Schema.Boolean,
  resumedFromStep: Schema.NullOr(Schema.Int),
  workers: Schema.Int,
  tokensPerSecond: Schema.Number,
  peakRssBytes: Schema.Number,
  sourceTruncated: Schema.Int,
  targetTruncated: Schema.Int,
  lossCurve: Schema.Array(CurvePoint),
  evalCurve: Schema.Array(CurvePoint)
})
export type TrainingSummary = typeof TrainingSummary.Type

/**
 * Whether a training stage's loss fell beyond noise: the mean loss of the first `window` steps
 * against the last `window` (see `learningVerdict` in @zaoji/training). Absent when the run was
 * too short to judge, and for imported models.
 */
export const LearningVerdict = Schema.Struct({
  verdict: Schema.Literal("learning", "not-learning"),
  firstWindowLoss: Schema.Number,
  lastWindowLoss: Schema.Number,
  window: Schema.Int,
  note: Schema.String
})
export type LearningVerdict = typeof LearningVerdict.Type

export const ModelArtifact = Schema.Struct({
  /** model folder, relative to the artifact folder */
  model: Schema.String,
  arch: Schema.Literal("glm1", "glm2"),
  /** how the model was made */
  method: Schema.Literal("pretrain", "import", "ptuning-v2", "freeze", "lora"),
  training: TrainingSummary,
  learning: Schema.optional(LearningVerdict)
})
export type ModelArtifact = typeof ModelArtifact.Type
