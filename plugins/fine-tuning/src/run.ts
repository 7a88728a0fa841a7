/**
 * Running a GLM training program inside a stage: choose the worker count, acquire the engine in a
 * scope, train with the stage's checkpoint service, report progress, and record the loss curve and
 * run figures as manifest metrics.
 */
import { Effect } from "effect"
import { PermanentError, type StageContext, errorMessage } from "@zaoji/core"
import { acquireEngine, resolveWorkers, stepsFor, train, type TokenExample, type TrainingSettings, type TrainingState, type TrainResult } from "@zaoji/training"
import { backendInfo, ensureBackend, memoryBudget } from "@zaoji/tensor"
import {
  baseWeightShapes,
  estimateTrainingMemory,
  trainingMemoryRefusal,
  type GlmConfig,
  type LearningVerdict,
  type TrainingSummary
} from "@zaoji/glm-runtime"
import type { GlmProgramArgs } from "./program.js"
import { glmProgramModule } from "./programModule.js"
import type { TruncationStats } from "./examples.js"

/** Matmul parameters of a config (every weight except the input embedding lookup). */
export const matmulParams = (cfg: GlmConfig): number =>
  Object.entries(baseWeightShapes(cfg))
    .filter(([n]) => !n.includes("word_embeddings"))
    .reduce((a, [, s]) => a + s.reduce((x, y) => x * y, 1), 0)

/** Rough training cost of one optimizer step (6·N FLOP per token). */
export const gflopPerStep = (cfg: GlmConfig, examples: ReadonlyArray<TokenExample>, o: Pick<TrainingSettings, "batchSize" | "gradientAccumulation">): number => {
  const avgLen = examples.reduce((a, e) => a + e.inputIds.length, 0) / Math.max(1, examples.length)
  return (6 * matmulParams(cfg) * avgLen * o.batchSize * o.gradientAccumulation) / 1e9
}

export interface RunTrainingInput {
  readonly ctx: StageContext
  readonly config: GlmConfig
  readonly program: GlmProgramArgs
  readonly padId: number
  readonly train: ReadonlyArray<TokenExample>
  readonly validation: ReadonlyArray<TokenExample>
  readonly settings: TrainingSettings
  /** starting values of (some of) the trainable tensors instead of the program's own; a checkpoint wins */
  readonly initial?: Readonly<Record<string, Float32Array>>
  /** a finished run's state to continue (see `continueFrom`); a checkpoint wins */
  readonly continueFrom?: TrainingState
}

/** Refuse at once a training that cannot fit the chosen backend; record the estimate otherwise. */
const checkMemory = (input: RunTrainingInput): Effect.Effect<void, PermanentError> =>
  Effect.gen(function* () {
    const backend = yield* Effect.tryPromise({
      try: () => ensureBackend(),
      catch: (e) => new PermanentError({ message: `no TensorFlow.js backend: ${errorMessage(e)}`, cause: e })
    })
    const length = input.train.reduce((m, e) => Math.max(m, e.inputIds.length), 1)
    const budget = memoryBudget(backendInfo())
    // the program shards at its own limit when one is forced, else at the adapter's
    const maxBindingBytes = input.program.maxBindingBytes ?? budget.maxBindingBytes
    const estimate = estimateTrainingMemory(input.config, input.program.trainable, input.settings.batchSize, length, {
      recompute: input.settings.recompute,
      backend,
      ...(maxBindingBytes !== undefined && Number.isFinite(maxBindingBytes) ? { maxBindingBytes } : {})
    })
    yield* input.ctx.metric("memory_estimate", estimate)
    const refusal = trainingMemoryRefusal(estimate, { ...budget, maxBindingBytes: estimate.rowShards.maxBindingBytes }, backend)
    if (refusal !== undefined) return yield* Effect.fail(new PermanentError({ message: `${input.ctx.stageId}: ${refusal}` }))
  })

export const runTraining = (input: RunTrainingInput): Effect.Effect<TrainResult, PermanentError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const { ctx, settings } = input
      const totalSteps = stepsFor(settings, input.train.length)
      const workers = resolveWorkers(settings.workers, gflopPerStep(input.config, input.train, settings), settings.batchSize, totalSteps)
      yield* ctx.log("info", "training", { workers, examples: input.train.length, validation: input.validation.length })
      yield* checkMemory(input)
      // the program computes its gradients layer by layer when the setting asks for it
      const program: GlmProgramArgs = { ...input.program, recompute: settings.recompute }
      const engine = yield* acquireEngine({ spec: { module: glmProgramModule, args: program }, workers, padId: input.padId })
      const result = yield* train({
        engine,
        train: input.train,
        validation: input.validation,
        config: settings,
        checkpoint: ctx.checkpoint,
        ...(input.initial ? { initial: { ...(yield* Effect.promise(() => engine.initial())), ...input.initial } } : {}),
        ...(input.continueFrom ? { continueFrom: input.continueFrom } : {}),
        onStep: (s) =>
          Effect.gen(function* () {
            yield* ctx.progress.report(s.step, s.totalSteps, "steps", { loss: s.loss, lr: s.lr })
            if (s.eval) yield* ctx.log("info", "evaluation", { step: s.step, evalLoss: s.eval.loss })
          })
      })
      if (result.resumedFromStep !== undefined) yield* ctx.log("info", "resumed from checkpoint", { step: result.resumedFromStep })
      return result
    })
  )

/** The summary a stage returns (and records as manifest metrics). */
export const summarize = (
  result: TrainResult,
  extra: { trainExamples: number; validationExamples: number; trainableParams: number; truncation: TruncationStats | undefined }
): TrainingSummary => ({
  steps: result.steps,
  epochs: result.epochs,
  trainExamples: extra.trainExamples,
  validationExamples: extra.validationExamples,
  trainableParams: extra.trainableParams,
  finalTrainLoss: result.lossCurve.length > 0 ? result.lossCurve[result.lossCurve.length - 1]!.loss : null,
  finalEvalLoss: result.finalEvalLoss ?? null,
  bestEvalLoss: result.bestEvalLoss ?? null,
  stoppedEarly: result.stoppedEarly,
  resumedFromStep: result.resumedFromStep ?? null,
  workers: result.workers,
  tokensPerSecond: result.tokensPerSecond,
  peakRssBytes: result.peakRssBytes,
  sourceTruncated: extra.truncation?.sourceTruncated ?? 0,
  targetTruncated: extra.truncation?.targetTruncated ?? 0,
  lossCurve: result.lossCurve.map((r) => ({ step: r.step, loss: Number.isFinite(r.loss) ? r.loss : 0 })),
  evalCurve: result.evalCurve.map((r) => ({ step: r.step, loss: r.loss }))
})

/**
 * Record the run's figures as manifest metrics. The learning verdict goes there too, and a run
 * whose loss did not fall is logged as a warning (the stage still succeeds: its artifact says so).
 */
export const recordMetrics = (ctx: StageContext, s: TrainingSummary, learning: LearningVerdict | undefined): Effect.Effect<void> =>
  Effect.gen(function* () {
    if (learning !== undefined) {
      yield* ctx.metric("learning", learning)
      if (learning.verdict === "not-learning") yield* ctx.log("warn", `not learning: ${learning.note}`, { ...learning })
    }
    yield* ctx.metric("loss_curve", s.lossCurve)
    yield* ctx.metric("eval_curve", s.evalCurve)
    yield* ctx.metric("final_train_loss", s.finalTrainLoss)
    yield* ctx.metric("final_eval_loss", s.finalEvalLoss)
    yield* ctx.metric("steps", s.steps)
    yield* ctx.metric("trainable_params", s.trainableParams)
    yield* ctx.metric("tokens_per_second", s.tokensPerSecond)
    yield* ctx.metric("peak_rss_bytes", s.peakRssBytes)
    yield* ctx.metric("workers", s.workers)
    // where the numbers were computed: the backend, and on webgpu the adapter and its limits
    yield* ctx.metric("backend", backendInfo())
    yield* ctx.metric("truncated", { source: s.sourceTruncated, target: s.targetTruncated })
  })
