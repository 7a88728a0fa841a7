/**
 * The shared training loop: seeded data order, per-batch padding, gradient accumulation, global-norm
 * clipping, AdamW with a warmup schedule, evaluation every K steps with early stopping, and exact
 * resume through the engine's checkpoint service (every K steps and on interrupt).
 *
 * Loss convention: the mean cross-entropy over every target token of the optimizer step (all
 * accumulation micro-batches and all worker shards together), as the golden fixtures define it for
 * one batch. Accumulating k micro-batches is therefore exactly one batch k times larger.
 */
import { Effect } from "effect"
import { PermanentError, type Checkpoint, errorMessage } from "@zaoji/core"
import { adamwStep, initAdamWState, type AdamWConfig, type AdamWState } from "./adamw.js"
import { addGrads, type GradientEngine } from "./engine.js"
import { clipGlobalNorm, globalNorm } from "./clip.js"
import { lrAt } from "./schedule.js"
import { Rng } from "./rng.js"
import type { TokenExample } from "./batch.js"
import { decodeTrainingState, encodeTrainingState, fingerprintExamples, STATE_VERSION, type DataCursor, type DataFingerprint, type TrainingState } from "./trainingState.js"
import { learningVerdict, type LearningVerdict } from "./learning.js"
import type { TrainingSettings } from "./settings.js"

/**
 * What the trainer reads: the training settings (one Schema, see settings.ts) and the few knobs
 * that are no stage setting — the golden fixtures' reference runs and the trainer's own tests set
 * them; stages keep their defaults.
 */
export interface TrainerConfig extends TrainingSettings {
  /** reshuffle the data order every epoch (default true) */
  readonly shuffle?: boolean
  /** AdamW's β1, β2 and ε (default torch's: 0.9, 0.999, 1e-8) */
  readonly adamBetas?: readonly [number, number]
  readonly adamEpsilon?: number
  /** examples per evaluation batch (default: batchSize) */
  readonly evalBatchSize?: number
}

export interface StepRecord {
  readonly step: number
  readonly loss: number
  readonly lr: number
  readonly gradNorm: number
  /** target tokens of this step */
  readonly targets: number
}

export interface EvalRecord {
  readonly step: number
  readonly loss: number
}

export interface StepInfo extends StepRecord {
  readonly totalSteps: number
  /** live tensors per backend instance after the step (leak checks) */
  readonly liveTensors: ReadonlyArray<number>
  readonly eval?: EvalRecord
}

export interface TrainResult {
  readonly params: Record<string, Float32Array>
  readonly steps: number
  readonly totalSteps: number
  readonly epochs: number
  readonly lossCurve: ReadonlyArray<StepRecord>
  readonly evalCurve: ReadonlyArray<EvalRecord>
  readonly finalEvalLoss: number | undefined
  readonly bestEvalLoss: number | undefined
  readonly stoppedEarly: boolean
  /** the step a checkpoint let this run continue from (undefined: started fresh) */
  readonly resumedFromStep: number | undefined
  readonly workers: number
  /** token positions processed (rows × padded length, all micro-batches) by this process */
  readonly tokensProcessed: number
  readonly seconds: number
  readonly tokensPerSecond: number
  readonly peakRssBytes: number
  readonly peakTensorBytes: number
  /** whether the loss fell beyond noise (first vs last window); undefined for too short a curve */
  readonly learning: LearningVerdict | undefined
  /**
   * the state after the last step (its weights, AdamW moments, step and data cursor), which a later
   * run continues from; after early stopping these are the last step's weights, not the best ones
   */
  readonly state: TrainingState
}

export interface TrainInput {
  readonly engine: GradientEngine
  readonly train: ReadonlyArray<TokenExample>
  readonly validation?: ReadonlyArray<TokenExample>
  readonly config: TrainerConfig
  readonly checkpoint?: Checkpoint
  /** starting values of the trainable tensors (default: the engine's program's initial values) */
  readonly initial?: Record<string, Float32Array>
  /**
   * a finished run's state to continue: weights, AdamW state and step carry on, and this run's
   * steps (`steps`, or `epochs` over `train`) come on top; an interrupted run's checkpoint wins
   */
  readonly continueFrom?: TrainingState
  readonly onStep?: (info: StepInfo) => Effect.Effect<void>
}

interface LoopState {
  step: number
  cursor: DataCursor
  params: Record<string, Float32Array>
  adam: AdamWState
  lossCurve: StepRecord[]
  evalCurve: EvalRecord[]
  best: number | undefined
  bestParams: Record<string, Float32Array> | undefined
  badEvals: number
  stoppedEarly: boolean
}

const newEpoch = (n: number, rng: Rng, epoch: number, shuffle: boolean): DataCursor => {
  const order = Array.from({ length: n }, (_, i) => i)
  if (shuffle) rng.shuffle(order)
  return { epoch, pos: 0, order, rngState: rng.getState() }
}

/** Take the next micro-batch from the data order, starting a new (reshuffled) epoch when needed. */
const takeBatch = (c: DataCursor, n: number, size: number, shuffle: boolean): { ids: number[]; next: DataCursor } => {
  let cur = c
  if (cur.pos >= n) cur = newEpoch(n, Rng.fromState(cur.rngState), cur.epoch + 1, shuffle)
  const ids = cur.order.slice(cur.pos, cur.pos + size)
  return { ids, next: { ...cur, pos: cur.pos + ids.length } }
}

export const stepsFor = (cfg: Pick<TrainingSettings, "steps" | "epochs" | "batchSize" | "gradientAccumulation">, trainSize: number): number => {
  if (cfg.steps !== undefined) return cfg.steps
  const perEpoch = Math.ceil(trainSize / (cfg.batchSize * cfg.gradientAccumulation))
  return Math.max(1, Math.round(cfg.epochs * perEpoch))
}

const adamwOf = (cfg: TrainerConfig): AdamWConfig => ({
  beta1: cfg.adamBetas?.[0] ?? 0.9,
  beta2: cfg.adamBetas?.[1] ?? 0.999,
  eps: cfg.adamEpsilon ?? 1e-8,
  weightDecay: cfg.weightDecay
})

/** The loop state as a training state (a checkpoint, or the finished run's saved state). */
const stateOf = (st: LoopState, engine: GradientEngine, run: { startStep: number; totalSteps: number; data: DataFingerprint }): TrainingState => ({
  meta: {
    version: STATE_VERSION,
    step: st.step,
    startStep: run.startStep,
    totalSteps: run.totalSteps,
    trainable: engine.trainable.map((s) => ({ name: s.name, shape: [...s.shape] })),
    cursor: st.cursor,
    adamStep: st.adam.step,
    lossCurve: st.lossCurve,
    evalCurve: st.evalCurve,
    best: st.best ?? null,
    badEvals: st.badEvals,
    stoppedEarly: st.stoppedEarly,
    data: run.data
  },
  params: st.params,
  adam: st.adam,
  bestParams: st.bestParams
})

/** a saved state must hold exactly this run's trainable tensors */
const checkTrainable = (state: TrainingState, engine: GradientEngine, what: string): void => {
  const want = JSON.stringify(engine.trainable.map((s) => [s.name, [...s.shape]]))
  const have = JSON.stringify(state.meta.trainable.map((s) => [s.name, [...s.shape]]))
  if (want !== have) throw new Error(`${what} holds different trainable tensors than this run`)
}

const copyOf = (r: Readonly<Record<string, Float32Array>>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.slice()]))

/** an interrupted run's checkpoint: the loop continues exactly where it stopped */
const resumeFrom = (state: TrainingState): LoopState => ({
  step: state.meta.step,
  cursor: state.meta.cursor,
  params: state.params,
  adam: state.adam,
  lossCurve: [...state.meta.lossCurve],
  evalCurve: [...state.meta.evalCurve],
  best: state.meta.best ?? undefined,
  bestParams: state.bestParams,
  badEvals: state.meta.badEvals,
  stoppedEarly: state.meta.stoppedEarly
})

/**
 * A finished run's state that this run continues: its weights, AdamW moments and step. On the same
 * data the data order goes on where it stood (the next epoch draws from the saved RNG state, as the
 * uninterrupted run would); on other data a new epoch over that data starts from the saved RNG
 * state. Curves and early stopping start afresh: they describe this run.
 */
const continueLoop = (state: TrainingState, data: DataFingerprint, n: number, shuffle: boolean): LoopState => {
  const sameData = state.meta.data !== undefined && state.meta.data.sha256 === data.sha256
  const cursor = sameData ? { ...state.meta.cursor, order: [...state.meta.cursor.order] } : newEpoch(n, Rng.fromState(state.meta.cursor.rngState), state.meta.cursor.epoch + 1, shuffle)
  return freshLoop(state.meta.step, cursor, copyOf(state.params), { step: state.adam.step, m: copyOf(state.adam.m), v: copyOf(state.adam.v) })
}

/** a loop at `step` whose curves and early stopping are this run's own, not yet begun */
const freshLoop = (step: number, cursor: DataCursor, params: Record<string, Float32Array>, adam: AdamWState): LoopState => ({
  step,
  cursor,
  params,
  adam,
  lossCurve: [],
  evalCurve: [],
  best: undefined,
  bestParams: undefined,
  badEvals: 0,
  stoppedEarly: false
})

const scaleGrads = (grads: Record<string, Float32Array>, k: number) => {
  for (const g of Object.values(grads)) for (let i = 0; i < g.length; i++) g[i] = g[i]! * k
}

const tokenCount = (ex: ReadonlyArray<TokenExample>) => ex.length * Math.max(...ex.map((e) => e.inputIds.length))

const toFailure = (what: string) => (e: unknown) =>
  new PermanentError({ message: `${what}: ${errorMessage(e)}`, cause: e })

/** Run the training loop. The engine is owned by the caller (acquire it in a Scope). */
export const train = (input: TrainInput): Effect.Effect<TrainResult, PermanentError> =>
  Effect.gen(function* () {
    const { engine, config: cfg, checkpoint } = input
    const n = input.train.length
    if (n === 0) return yield* Effect.fail(new PermanentError({ message: "training set is empty" }))
    const adamCfg = adamwOf(cfg)
    const shuffle = cfg.shuffle ?? true
    const accum = Math.max(1, cfg.gradientAccumulation)
    const data = fingerprintExamples(input.train)
    if (input.continueFrom) {
      const c = input.continueFrom
      yield* Effect.try({ try: () => checkTrainable(c, engine, "the training state to continue from"), catch: toFailure("cannot continue") })
    }
    // a continuing run adds its own steps to those already taken; the schedule spans them all
    const startStep = input.continueFrom?.meta.step ?? 0
    const totalSteps = startStep + stepsFor(cfg, n)
    const schedule = { kind: cfg.schedule, lr: cfg.learningRate, warmupSteps: cfg.warmupSteps, totalSteps }

    const saved = checkpoint ? yield* checkpoint.loadState() : undefined
    let st: LoopState
    let resumedFromStep: number | undefined
    if (saved !== undefined) {
      st = yield* Effect.try({
        try: () => {
          const state = decodeTrainingState(saved, "checkpoint")
          checkTrainable(state, engine, "checkpoint")
          return resumeFrom(state)
        },
        catch: toFailure("cannot resume from checkpoint")
      })
      resumedFromStep = st.step
    } else if (input.continueFrom) {
      st = continueLoop(input.continueFrom, data, n, shuffle)
    } else {
      // a copy: the optimizer updates its parameters in place, the caller's arrays stay as given
      const initial = input.initial
        ? Object.fromEntries(Object.entries(input.initial).map(([k, v]) => [k, v.slice()]))
        : yield* Effect.tryPromise({ try: () => engine.initial(), catch: toFailure("initial values") })
      st = freshLoop(0, newEpoch(n, new Rng(cfg.seed), 0, shuffle), initial, initAdamWState(initial))
    }
    let version = 0
    let tokensProcessed = 0
    let peakRss = process.memoryUsage().rss
    let peakTensorBytes = 0
    const started = performance.now()

    const save = Effect.suspend(() => {
      if (!checkpoint) return Effect.void
      const { meta, blobs } = encodeTrainingState(stateOf(st, engine, { startStep, totalSteps, data }))
      return checkpoint.saveState(meta, blobs)
    })

    const evalBatch = cfg.evalBatchSize ?? cfg.batchSize
    const evaluate = async (): Promise<number | undefined> => {
      const val = input.validation
      if (!val || val.length === 0) return undefined
      let lossSum = 0
      let count = 0
      for (let i = 0; i < val.length; i += evalBatch) {
        const r = await engine.evalLoss(val.slice(i, i + evalBatch), st.params, version)
        lossSum += r.lossSum
        count += r.count
      }
      return count > 0 ? lossSum / count : undefined
    }

    // One optimizer step, applied all-or-nothing: the state only changes after every micro-batch
    // succeeded, so a snapshot always describes a step boundary.
    const runStep = async (): Promise<StepRecord> => {
      let cursor = st.cursor
      const grads: Record<string, Float32Array> = {}
      let lossSum = 0
      let count = 0
      for (let a = 0; a < accum; a++) {
        const { ids, next } = takeBatch(cursor, n, cfg.batchSize, shuffle)
        cursor = next
        const examples = ids.map((i) => input.train[i]!)
        const r = await engine.gradients(examples, st.params, version)
        addGrads(grads, r.grads)
        lossSum += r.lossSum
        count += r.count
        tokensProcessed += tokenCount(examples)
      }
      const lr = lrAt(schedule, st.step)
      let gradNorm = 0
      if (count > 0) {
        scaleGrads(grads, 1 / count)
        gradNorm = cfg.maxGradNorm > 0 ? clipGlobalNorm(grads, cfg.maxGradNorm) : globalNorm(grads)
        adamwStep(st.params, grads, st.adam, lr, adamCfg)
        version++
      }
      st.cursor = cursor
      st.step += 1
      const rec: StepRecord = { step: st.step, loss: count > 0 ? lossSum / count : NaN, lr, gradNorm, targets: count }
      st.lossCurve.push(rec)
      return rec
    }

    const evalAndMaybeStop = async (): Promise<EvalRecord | undefined> => {
      const loss = await evaluate()
      if (loss === undefined) return undefined
      const rec = { step: st.step, loss }
      st.evalCurve.push(rec)
      if (st.best === undefined || loss < st.best - cfg.earlyStoppingMinDelta) {
        st.best = loss
        st.badEvals = 0
        if (cfg.earlyStoppingPatience > 0) st.bestParams = Object.fromEntries(Object.entries(st.params).map(([k, v]) => [k, v.slice()]))
      } else {
        st.badEvals += 1
        if (cfg.earlyStoppingPatience > 0 && st.badEvals >= cfg.earlyStoppingPatience) st.stoppedEarly = true
      }
      return rec
    }

    const loop = Effect.gen(function* () {
      while (st.step < totalSteps && !st.stoppedEarly) {
        const { rec, ev } = yield* Effect.uninterruptible(
          Effect.tryPromise({
            try: async () => {
              const rec = await runStep()
              const ev = cfg.evalEvery > 0 && rec.step % cfg.evalEvery === 0 ? await evalAndMaybeStop() : undefined
              return { rec, ev }
            },
            catch: toFailure(`training step ${st.step + 1}`)
          })
        )
        const mem = yield* Effect.promise(() => engine.memory())
        peakTensorBytes = Math.max(peakTensorBytes, mem.numBytes)
        peakRss = Math.max(peakRss, process.memoryUsage().rss)
        if (checkpoint && cfg.checkpointEvery > 0 && st.step % cfg.checkpointEvery === 0 && st.step < totalSteps) {
          yield* Effect.uninterruptible(save)
        }
        if (input.onStep) yield* input.onStep({ ...rec, totalSteps, liveTensors: mem.numTensors, eval: ev })
        // a step is synchronous compute: give the Node event loop a turn (signals, I/O of concurrent
        // stages, progress rendering); Effect.yieldNow alone stays on the microtask queue
        yield* Effect.async<void>((resume) => void setImmediate(() => resume(Effect.void)))
      }
    })
    // on interrupt the state is at a step boundary (steps are uninterruptible): persist it
    yield* loop.pipe(Effect.onInterrupt(() => save.pipe(Effect.orDie)))

    const lastEval = st.evalCurve[st.evalCurve.length - 1]
    // an early-stopped run returns its best weights, so its final evaluation is the best one
    let finalEvalLoss: number | undefined =
      st.stoppedEarly && st.bestParams ? st.best : lastEval?.step === st.step ? lastEval.loss : undefined
    if (finalEvalLoss === undefined && input.validation && input.validation.length > 0) {
      finalEvalLoss = yield* Effect.tryPromise({ try: () => evaluate(), catch: toFailure("final evaluation") })
    }
    const params = st.stoppedEarly && st.bestParams ? st.bestParams : st.params
    const seconds = (performance.now() - started) / 1000
    return {
      params,
      steps: st.step,
      totalSteps,
      epochs: st.cursor.epoch + st.cursor.pos / n,
      state: stateOf(st, engine, { startStep, totalSteps, data }),
      lossCurve: st.lossCurve,
      evalCurve: st.evalCurve,
      finalEvalLoss,
      bestEvalLoss: st.best,
      stoppedEarly: st.stoppedEarly,
      resumedFromStep,
      workers: engine.workers,
      tokensProcessed,
      seconds,
      tokensPerSecond: seconds > 0 ? tokensProcessed / seconds : 0,
      peakRssBytes: peakRss,
      peakTensorBytes,
      // steps without a loss target carry no loss (NaN with 0 targets): they say nothing about learning
      learning: learningVerdict(st.lossCurve.filter((r) => r.targets > 0).map((r) => r.loss))
    }
  })
