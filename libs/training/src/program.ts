/**
 * A training program: the differentiable part of a training run, living wherever its tensors live
 * (the main thread, or a worker thread with its own backend). It holds the frozen weights and the
 * current values of the trainable ones, and turns a batch into a loss sum and gradients.
 */
import * as tf from "@tensorflow/tfjs"
import type { TokenBatch } from "./batch.js"

export interface TensorSpec {
  readonly name: string
  readonly shape: ReadonlyArray<number>
}

export interface LossSum {
  /** sum of the token cross-entropies of the batch */
  readonly lossSum: number
  /** number of loss targets the sum is over */
  readonly count: number
}

export interface GradResult extends LossSum {
  /** gradients of `lossSum` (not of the mean) by trainable tensor name */
  readonly grads: Record<string, Float32Array>
}

export interface TrainProgram {
  readonly trainable: ReadonlyArray<TensorSpec>
  /** the trainable tensors' starting values (pretrained, or a seeded initialisation) */
  initial(): Record<string, Float32Array>
  setTrainable(values: Readonly<Record<string, Float32Array>>): void
  gradients(batch: TokenBatch): GradResult
  evalLoss(batch: TokenBatch): LossSum
  /** live tensors and bytes of this program's backend (leak checks, memory reports) */
  memory(): { readonly numTensors: number; readonly numBytes: number }
  dispose(): void
}

/**
 * A module a worker thread can load by URL to build the same program as the main thread would:
 * `export const createProgram = (args) => Promise<TrainProgram>`; `args` must be structured-cloneable.
 */
export interface ProgramModule {
  readonly createProgram: (args: any) => Promise<TrainProgram>
}

/** Where to find a program's factory and with which arguments (sent to worker threads). */
export interface ProgramSpec {
  /** file URL of a module exporting `createProgram` */
  readonly module: string
  readonly args: unknown
}

/** The loss of a batch as a function of the trainable tensors (the frozen ones are captured). */
export type LossFn = (
  trainable: Readonly<Record<string, tf.Tensor>>,
  batch: TokenBatch
) => { readonly loss: tf.Scalar; readonly count: number }

/**
 * Build a program from initial trainable tensors (ownership passes to the program) and a loss
 * function. `onDispose` frees what the loss function captured (frozen weights).
 */
export const makeTfProgram = (options: {
  readonly trainable: Readonly<Record<string, tf.Tensor>>
  readonly loss: LossFn
  readonly onDispose?: () => void
}): TrainProgram => {
  const names = Object.keys(options.trainable)
  const specs: TensorSpec[] = names.map((name) => ({ name, shape: options.trainable[name]!.shape }))
  const current: Record<string, tf.Tensor> = { ...options.trainable }
  const initialValues: Record<string, Float32Array> = {}
  for (const n of names) initialValues[n] = Float32Array.from(current[n]!.dataSync() as Float32Array)

  const lossAndGrads = tf.valueAndGrads((...xs: tf.Tensor[]) => {
    const params: Record<string, tf.Tensor> = {}
    names.forEach((n, i) => (params[n] = xs[i]!))
    const r = options.loss(params, pending!)
    pendingCount = r.count
    return r.loss
  })
  let pending: TokenBatch | undefined
  let pendingCount = 0

  return {
    trainable: specs,
    initial: () => {
      const out: Record<string, Float32Array> = {}
      for (const n of names) out[n] = initialValues[n]!.slice()
      return out
    },
    setTrainable: (values) => {
      for (const s of specs) {
        const v = values[s.name]
        if (v === undefined) throw new Error(`setTrainable: no value for ${s.name}`)
        current[s.name]!.dispose()
        current[s.name] = tf.tensor(v, [...s.shape], "float32")
      }
    },
    gradients: (batch) => {
      pending = batch
      const { value, grads } = lossAndGrads(names.map((n) => current[n]!))
      pending = undefined
      // read results outside any tidy: a dataSync inside tidy slows the WASM matmuls down a lot
      const lossSum = value.dataSync()[0]!
      const out: Record<string, Float32Array> = {}
      names.forEach((n, i) => (out[n] = Float32Array.from(grads[i]!.dataSync() as Float32Array)))
      value.dispose()
      tf.dispose(grads)
      return { lossSum, count: pendingCount, grads: out }
    },
    evalLoss: (batch) => {
      let count = 0
      const value = tf.tidy(() => {
        const r = options.loss(current, batch)
        count = r.count
        return r.loss
      })
      const lossSum = value.dataSync()[0]!
      value.dispose()
      return { lossSum, count }
    },
    memory: () => {
      const m = tf.memory()
      return { numTensors: m.numTensors, numBytes: m.numBytes }
    },
    dispose: () => {
      for (const n of names) current[n]!.dispose()
      options.onDispose?.()
    }
  }
}
