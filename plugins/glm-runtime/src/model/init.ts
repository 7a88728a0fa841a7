/**
 * Deterministic random initialisation (for pretraining from scratch and for tests): norm weights 1,
 * biases 0, every other tensor N(0, std), drawn in sorted-name order from one seeded stream, so the
 * same seed gives the same model on every backend.
 */
import * as tf from "@tensorflow/tfjs"
import { makeRng } from "../generate/rng.js"
import { baseWeightShapes, prefixWeightShapes } from "./names.js"
import type { GlmConfig, WeightMap } from "./types.js"

export interface InitOptions {
  readonly seed?: number
  readonly std?: number
  /** include the prefix encoder (when the config has pre_seq_len) */
  readonly prefix?: boolean
}

export const initWeights = (cfg: GlmConfig, options: InitOptions = {}): WeightMap => {
  const rng = makeRng(options.seed ?? 0)
  const std = options.std ?? 0.02
  const shapes = { ...baseWeightShapes(cfg), ...(options.prefix ? prefixWeightShapes(cfg) : {}) }
  const normal = (): number => {
    // Box–Muller (one value per pair keeps the stream simple)
    const u = Math.max(rng.next(), 1e-12)
    const v = rng.next()
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }
  const out: Record<string, tf.Tensor> = {}
  for (const name of Object.keys(shapes).sort()) {
    const shape = shapes[name]
    const n = shape.reduce((a, b) => a * b, 1)
    const data = new Float32Array(n)
    const isNorm = name.includes("layernorm")
    if (isNorm && name.endsWith("weight")) data.fill(1)
    else if (!name.endsWith("bias")) for (let i = 0; i < n; i++) data[i] = normal() * std
    out[name] = tf.tensor(data, [...shape], "float32")
  }
  return out
}
