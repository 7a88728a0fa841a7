/** P-Tuning v2: the prefix encoder and the split of its output into per-layer key/value prefixes. */
import * as tf from "@tensorflow/tfjs"
import { linear } from "@zaoji/tensor"
import { dimsOf } from "./config.js"
import { prefixNames } from "./names.js"
import type { GlmConfig, WeightMap } from "./types.js"

/**
 * Prefix-encoder output `[pre, kvSize]` for prefix ids 0..pre-1 (differentiable in the encoder
 * weights). The ids cover the whole embedding table, so the lookup is the table itself.
 */
export const prefixEncoder = (cfg: GlmConfig, weights: WeightMap): tf.Tensor2D =>
  tf.tidy(() => {
    const emb = weights[prefixNames.embedding] as tf.Tensor2D | undefined
    if (emb === undefined) throw new Error(`prefix encoder weight "${prefixNames.embedding}" is missing`)
    if (!cfg.prefix_projection) return tf.add(emb, 0) as tf.Tensor2D // a new tensor the caller owns
    const h = tf.tanh(linear(emb, weights[prefixNames.trans0w] as tf.Tensor2D, { bias: weights[prefixNames.trans0b] }))
    return linear(h, weights[prefixNames.trans2w] as tf.Tensor2D, { bias: weights[prefixNames.trans2b] }) as tf.Tensor2D
  })

/**
 * Layer l's prefix keys and values, `[b, kvHeads, pre, hd]` each. `prefixKv` is `[pre, kvSize]`
 * (shared) or `[b, pre, kvSize]`; its last axis is (layer, k|v, head, channel). No rotary.
 */
export const prefixForLayer = (
  cfg: GlmConfig,
  prefixKv: tf.Tensor,
  layer: number,
  batch: number
): { k: tf.Tensor4D; v: tf.Tensor4D } => splitPrefix(cfg, prefixKv, dimsOf(cfg).layers, layer, batch)

/**
 * Layer l's columns of the prefix output: `[pre, 2·kvHeads·hd]` (or `[b, pre, …]`), its keys then
 * its values. Layer-by-layer training differentiates each layer with respect to its own slice;
 * the slices' gradients joined along the last axis are the gradient of the whole output.
 */
export const prefixLayerSlice = (cfg: GlmConfig, prefixKv: tf.Tensor, layer: number): tf.Tensor => {
  const width = 2 * dimsOf(cfg).kvHeads * dimsOf(cfg).headDim
  const begin = prefixKv.shape.map((_, a) => (a === prefixKv.rank - 1 ? layer * width : 0))
  const size = prefixKv.shape.map((n, a) => (a === prefixKv.rank - 1 ? width : n))
  return tf.slice(prefixKv, begin, size)
}

/** A layer's prefix keys and values from its slice (see `prefixLayerSlice`). */
export const prefixFromLayerSlice = (cfg: GlmConfig, slice: tf.Tensor, batch: number): { k: tf.Tensor4D; v: tf.Tensor4D } =>
  splitPrefix(cfg, slice, 1, 0, batch)

// internal

/** keys and values of `layer` from prefix output holding `layers` layers on its last axis */
const splitPrefix = (
  cfg: GlmConfig,
  prefixKv: tf.Tensor,
  layers: number,
  layer: number,
  batch: number
): { k: tf.Tensor4D; v: tf.Tensor4D } => {
  const d = dimsOf(cfg)
  const shared = prefixKv.rank === 2
  const pre = (shared ? prefixKv.shape[0] : prefixKv.shape[1]) as number
  const rows = shared ? 1 : prefixKv.shape[0]
  const width = d.kvHeads * d.headDim
  const grouped = tf.reshape(prefixKv, [rows * pre, 2 * layers, width])
  const take = (kv: number): tf.Tensor4D => {
    const part = tf.slice(grouped, [0, 2 * layer + kv, 0], [rows * pre, 1, width])
    const heads = tf.transpose(tf.reshape(part, [rows, pre, d.kvHeads, d.headDim]), [0, 2, 1, 3]) as tf.Tensor4D
    return shared && batch > 1 ? (tf.tile(heads, [batch, 1, 1, 1]) as tf.Tensor4D) : heads
  }
  return { k: take(0), v: take(1) }
}
