/**
 * Counter-hash synthetic weights: every element is a pure function of (seed, tensor name, flat
 * index), the same bits as `scripts/synthetic_weights.py` makes in Python. Real-width test models
 * (hidden 4096: 1.6 GB of float32 for two layers) and the 6B-shaped models of device checks are
 * regenerated instead of stored, and any row range can be made alone, so a row shard of a huge
 * tensor never needs the whole tensor in memory.
 *
 *     h   = fmix32(index · 0x9E3779B1 + fnv1a32(`${seed}:${name}`))        (mod 2^32)
 *     norm weights ("layernorm" … "weight"): 1 + ((h >>> 20) − 2048) · 2^-14       in [7/8, 9/8)
 *     other tensors: ((h >>> 8) − 2^23) · 2^-23 · scale                             in [−scale, scale)
 *     scale: embeddings and the P-Tuning prefix 1; biases 1/64; a linear weight [out, in] the power
 *            of two nearest to √(3 / in) (std ≈ 1/√in, so activations stay of order 1)
 *
 * Each value has at most 24 significant bits times a power of two: exact in float32 in both languages.
 */
import * as tf from "@tensorflow/tfjs"
import { weightEntries } from "../weights/shards.js"
import { baseWeightShapes, prefixWeightShapes } from "./names.js"
import type { GlmConfig, WeightShapes } from "./types.js"

export interface SyntheticOptions {
  readonly seed: number
  /** matrices above this many bytes are made as row shards, row block by row block (default: the backend's binding limit) */
  readonly maxBindingBytes?: number
  /** include the prefix encoder (when the config has pre_seq_len) */
  readonly prefix?: boolean
}

/** Rows `[rowStart, rowStart + rowCount)` of a synthetic tensor (all rows by default), row-major. */
export const syntheticRows = (
  name: string,
  shape: ReadonlyArray<number>,
  seed: number,
  rowStart = 0,
  rowCount: number = (shape[0] ?? 1) - rowStart
): Float32Array => {
  const rowLen = shape.slice(1).reduce((a, b) => a * b, 1)
  if ((shape[0] ?? 1) * rowLen >= 2 ** 32) throw new RangeError(`synthetic tensor "${name}": ${shape.join("×")} elements exceed the 32-bit index`)
  const s = fnv1a32(`${seed}:${name}`)
  const out = new Float32Array(rowCount * rowLen)
  const first = rowStart * rowLen
  if (isNormWeight(name)) {
    for (let i = 0; i < out.length; i++) out[i] = 1 + ((fmix(first + i, s) >>> 20) - 2048) * 2 ** -14
  } else {
    const k = 2 ** -23 * scaleOf(name, shape)
    for (let i = 0; i < out.length; i++) out[i] = ((fmix(first + i, s) >>> 8) - 2 ** 23) * k
  }
  return out
}

/** The tensor shapes of a config's synthetic model (base, plus the prefix encoder when asked). */
export const syntheticShapes = (cfg: GlmConfig, options: Pick<SyntheticOptions, "prefix"> = {}): WeightShapes => ({
  ...baseWeightShapes(cfg),
  ...(options.prefix ? prefixWeightShapes(cfg) : {})
})

/** A whole synthetic weight map on the current backend (small and real-width test models). */
export const syntheticWeights = (cfg: GlmConfig, options: SyntheticOptions): Record<string, tf.Tensor> => {
  const out: Record<string, tf.Tensor> = {}
  try {
    for (const [name, shape] of Object.entries(syntheticShapes(cfg, options))) {
      Object.assign(out, weightEntries(name, shape, (start, n) => syntheticRows(name, shape, options.seed, start, n), options.maxBindingBytes))
    }
  } catch (e) {
    tf.dispose(Object.values(out))
    throw e
  }
  return out
}

// internal

const isNormWeight = (name: string): boolean => name.includes("layernorm") && name.endsWith("weight")

const scaleOf = (name: string, shape: ReadonlyArray<number>): number => {
  if (name.includes("word_embeddings") || name.startsWith("transformer.prefix_encoder.embedding")) return 1
  if (name.endsWith("bias") || shape.length < 2) return 1 / 64
  return 2 ** Math.round(Math.log2(Math.sqrt(3 / shape[shape.length - 1]!)))
}

const fnv1a32 = (text: string): number => {
  let h = 0x811c9dc5
  for (const b of new TextEncoder().encode(text)) h = Math.imul(h ^ b, 0x01000193) >>> 0
  return h
}

/** murmur3's 32-bit finaliser over a Weyl sequence: a counter-based hash (no stream state) */
const fmix = (index: number, seed: number): number => {
  let h = (Math.imul(index >>> 0, 0x9e3779b1) + seed) >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}
