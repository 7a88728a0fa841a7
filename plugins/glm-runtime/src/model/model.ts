/** Assemble a `GlmModel` from a config and a weight map. */
import * as tf from "@tensorflow/tfjs"
import { rowShardKey, rowShardsIn, transposeOnce } from "@zaoji/tensor"
import { dimsOf } from "./config.js"
import { linearWeightNames, prefixNames } from "./names.js"
import { prefixEncoder } from "./prefix.js"
import { ROTATION_KEY, ROTATION_T_KEY, rotationMatrix } from "./rotary.js"
import type { GlmConfig, GlmModel, PreparedLinears, WeightMap } from "./types.js"

/** Transpose every linear weight once to `[in, out]` (inference-only use). */
export const prepareLinears = (cfg: GlmConfig, weights: WeightMap): PreparedLinears => {
  const out = new Map<string, tf.Tensor2D>()
  for (const name of linearWeightNames(cfg)) {
    const w = weights[name]
    if (w !== undefined) out.set(name, transposeOnce(w as tf.Tensor2D))
    // a row-sharded matrix is transposed shard by shard: no transposed copy exceeds a shard
    rowShardsIn(weights, name)?.shards.forEach((shard, k) => out.set(rowShardKey(name, k), transposeOnce(shard)))
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
