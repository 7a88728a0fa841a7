/** Assemble a `GlmModel` from a config and a weight map. */
import * as tf from "@tensorflow/tfjs"
import { rowShardKey, rowShardsIn, transposeOnce } from "@zaoji/tensor"
import { dimsOf } from "./config.js"
import { linearWeightNames, prefixNames } from "./names.js"
import { prefixEncoder } from "./prefix.js"
import { ROTATION_KEY, ROTATION_T_KEY, rotationMatrix } from "./rotary.js"
import type { GlmConfig, GlmModel, PreparedLinears, WeightMap } from "./types.js"

/**
 * Whether frozen linears keep a transposed `[in, out]` copy on this backend. WASM multiplies by a
 * plain `[in, out]` operand an order of magnitude faster than with a transpose flag (measured, see
 * `linear` in @zaoji/tensor), so there the copy pays. WebGPU's matmul reads a transposed operand
 * at little cost (`transposeB`), and the copy would double the weights' device memory (about 25 GB
 * more for ChatGLM-6B), so there no copy is kept.
 */
export const keepsTransposedCopies = (backend: string = tf.getBackend()): boolean => backend !== "webgpu"

/**
 * What the forward reuses across calls for frozen weights: every linear weight transposed once to
 * `[in, out]` where the backend keeps such copies (`transposedCopies`, default
 * `keepsTransposedCopies()`), and the rotary tables' rotation matrix. Weights absent from `weights`
 * (trainable ones, held by the caller) get no copy.
 */
export const prepareLinears = (cfg: GlmConfig, weights: WeightMap, options: { readonly transposedCopies?: boolean } = {}): PreparedLinears => {
  const out = new Map<string, tf.Tensor2D>()
  if (options.transposedCopies ?? keepsTransposedCopies()) {
    for (const name of linearWeightNames(cfg)) {
      const w = weights[name]
      if (w !== undefined) out.set(name, transposeOnce(w as tf.Tensor2D))
      // a row-sharded matrix is transposed shard by shard: no transposed copy exceeds a shard
      rowShardsIn(weights, name)?.shards.forEach((shard, k) => out.set(rowShardKey(name, k), transposeOnce(shard)))
    }
  }
  // a persistent rotation matrix lets the backend reuse its packed matmul operand across calls
  const d = dimsOf(cfg)
  const r = tf.tensor2d(rotationMatrix(d), [d.headDim, d.headDim])
  out.set(ROTATION_KEY, r)
  out.set(ROTATION_T_KEY, transposeOnce(r))
  return out
}

export const disposePrepared = (p: PreparedLinears): void => {
  for (const t of p.values()) t.dispose()
}

/**
 * Build a model; it takes ownership of `weights` (disposed by `model.dispose()`). With
 * `pre_seq_len` in the config, the prefix encoder weights must be in `weights`.
 */
export const createModel = (config: GlmConfig, weights: WeightMap, options: { readonly prepare?: boolean } = {}): GlmModel => {
  const d = dimsOf(config)
  const prefixKv = d.preSeqLen > 0 && weights[prefixNames.embedding] !== undefined ? prefixEncoder(config, weights) : undefined
  if (d.preSeqLen > 0 && prefixKv === undefined) {
    throw new Error(`config has pre_seq_len ${d.preSeqLen} but the prefix encoder weights ("${prefixNames.embedding}") are missing`)
  }
  const prepared = options.prepare === false ? new Map<string, tf.Tensor2D>() : prepareLinears(config, weights)
  let disposed = false
  return {
    config,
    weights,
    prefixKv,
    prepared,
    dispose: () => {
      if (disposed) return
      disposed = true
      prefixKv?.dispose()
      disposePrepared(prepared)
      for (const t of Object.values(weights)) t.dispose()
    }
  }
}
