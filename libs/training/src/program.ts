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
  initial(): Promise<Record<string, Float32Array>>
  setTrainable(values: Readonly<Record<string, Float32Array>>): void
  // results are read asynchronously: a GPU backend (WebGPU in Node) has no synchronous read
  gradients(batch: TokenBatch): Promise<GradResult>
  evalLoss(batch: TokenBatch): Promise<LossSum>
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
 * The loss of a batch and its gradients by trainable name, computed by the caller (the caller's
 * tensors; the program reads and disposes them).
 */
export type ValueAndGradsFn = (
  trainable: Readonly<Record<string, tf.Tensor>>,
  batch: TokenBatch
) => Promise<{ readonly value: tf.Scalar; readonly grads: Readonly<Record<string, tf.Tensor>>; readonly count: number }>

/** Copies of tensors' values; every read is issued before the first await (so before any dispose). */
const readAll = (ts: ReadonlyArray<tf.Tensor>): Promise<Float32Array[]> =>
  Promise.all(ts.map((t) => t.data().then((d) => Float32Array.from(d as Float32Array))))

/**
 * Build a program from initial trainable tensors (ownership passes to the program) and a loss
 * function. `onDispose` frees what the loss function captured (frozen weights).
 */
export const makeTfProgram = (options: {
  readonly trainable: Readonly<Record<string, tf.Tensor>>
  readonly loss: LossFn
  /**
   * gradients computed another way than one `tf.valueAndGrads` over `loss` (e.g. layer by layer with
   * activation recomputation); `loss` still serves `evalLoss`
   */
  readonly valueAndGrads?: ValueAndGradsFn
  readonly onDispose?: () => void
}): TrainProgram => {
  const names = Object.keys(options.trainable)
  const specs: TensorSpec[] = names.map((name) => ({ name, shape: options.trainable[name]!.shape }))
  const current: Record<string, tf.Tensor> = { ...options.trainable }
  // the reads start now, before a setTrainable can replace the tensors
  const initialValues = readAll(names.map((n) => current[n]!))
  initialValues.catch(() => undefined) // reported by initial(), if ever called

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
    initial: async () => {
      const values = await initialValues
      const out: Record<string, Float32Array> = {}
      names.forEach((n, i) => (out[n] = values[i]!.slice()))
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
    gradients: async (batch) => {
      let value: tf.Scalar
      let grads: tf.Tensor[]
      let count: number
      // every tensor the gradient call returned, disposed once read
      let owned: tf.Tensor[]
      if (options.valueAndGrads !== undefined) {
        const r = await options.valueAndGrads({ ...current }, batch)
        value = r.value
        count = r.count
        owned = [r.value, ...Object.values(r.grads)]
        const missing = names.find((n) => r.grads[n] === undefined)
        if (missing !== undefined) {
          tf.dispose(owned)
          throw new Error(`no gradient for trainable tensor "${missing}"`)
        }
        grads = names.map((n) => r.grads[n]!)
      } else {
        pending = batch
        try {
          ;({ value, grads } = lossAndGrads(names.map((n) => current[n]!)) as { value: tf.Scalar; grads: tf.Tensor[] })
        } finally {
          pending = undefined
        }
        count = pendingCount
        owned = [value, ...grads]
      }
      // read results outside any tidy: a read inside tidy slows the WASM matmuls down a lot
      try {
        const [loss, ...gs] = await readAll([value, ...grads])
        const out: Record<string, Float32Array> = {}
        names.forEach((n, i) => (out[n] = gs[i]!))
        return { lossSum: loss![0]!, count, grads: out }
      } finally {
        tf.dispose(owned)
      }
    },
    evalLoss: async (batch) => {
      let count = 0
      const value = tf.tidy(() => {
        const r = options.loss(current, batch)
        count = r.count
        return r.loss
      })
      try {
        const [loss] = await readAll([value])
        return { lossSum: loss![0]!, count }
      } finally {
        value.dispose()
      }
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
