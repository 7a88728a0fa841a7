/**
 * Where gradients are computed: in this thread (one backend) or across worker threads (one backend
 * each, data parallel). Both sum the per-shard loss sums and gradients, so the trainer divides once
 * by the step's total target count and the two give the same numbers up to float rounding.
 */
import { padBatch, type TokenExample } from "./batch.js"
import type { GradResult, LossSum, TensorSpec, TrainProgram } from "./program.js"

export interface EngineMemory {
  /** live tensors per backend instance (index 0 = main thread or first worker) */
  readonly numTensors: ReadonlyArray<number>
  /** tensor bytes summed over backend instances */
  readonly numBytes: number
}

export interface GradientEngine {
  readonly workers: number
  readonly trainable: ReadonlyArray<TensorSpec>
  initial(): Promise<Record<string, Float32Array>>
  /**
   * Loss sum and gradient sum of `examples` at parameter values `params`. `version` changes whenever
   * `params` changed since the previous call (engines skip re-uploading unchanged values).
   */
  gradients(examples: ReadonlyArray<TokenExample>, params: Readonly<Record<string, Float32Array>>, version: number): Promise<GradResult>
  evalLoss(examples: ReadonlyArray<TokenExample>, params: Readonly<Record<string, Float32Array>>, version: number): Promise<LossSum>
  memory(): Promise<EngineMemory>
  close(): Promise<void>
}

/** Add `src` into `dst` element-wise (both by tensor name). */
export const addGrads = (dst: Record<string, Float32Array>, src: Readonly<Record<string, Float32Array>>): void => {
  for (const [n, g] of Object.entries(src)) {
    const d = dst[n]
    if (d === undefined) dst[n] = g.slice()
    else for (let i = 0; i < d.length; i++) d[i] = d[i]! + g[i]!
  }
}

/** The single-backend engine: the program runs in the calling thread. */
export const localEngine = (program: TrainProgram, padId: number): GradientEngine => {
  let loaded = -1
  const upload = (params: Readonly<Record<string, Float32Array>>, version: number) => {
    if (version !== loaded) {
      program.setTrainable(params)
      loaded = version
    }
  }
  return {
    workers: 1,
    trainable: program.trainable,
    initial: async () => program.initial(),
    gradients: async (examples, params, version) => {
      upload(params, version)
      return program.gradients(padBatch(examples, padId))
    },
    evalLoss: async (examples, params, version) => {
      upload(params, version)
      return program.evalLoss(padBatch(examples, padId))
    },
    memory: async () => {
      const m = program.memory()
      return { numTensors: [m.numTensors], numBytes: m.numBytes }
    },
    close: async () => program.dispose()
  }
}
