/**
 * Scaled dot-product attention over a grouped KV cache. Keys/values are `[b, kvHeads, T, hd]`;
 * query heads sharing a kv group are stacked along the query axis, so a group's keys are used as
 * stored (no repetition). Masked scores are *replaced* by -10000 (official glm behaviour), written
 * as `scores·allowed + fill` so that the mask is data and the op stays differentiable.
 */
import * as tf from "@tensorflow/tfjs"
import { batchMatMul } from "@zaoji/tensor"

export interface AttentionMask {
  /** [b, 1, rep·s, T]: 1 = may attend */
  readonly allowed: tf.Tensor4D
  /** [b, 1, rep·s, T]: 0 where allowed, -10000 elsewhere */
  readonly fill: tf.Tensor4D
}

/** Build the mask tensors for `rep` query heads per kv group from a per-row predicate. */
export const buildMask = (
  b: number,
  s: number,
  prefix: number,
  past: number,
  rep: number,
  allowed: (row: number, i: number, j: number) => boolean
): AttentionMask => {
  const T = prefix + past + s
  const a = new Float32Array(b * rep * s * T)
  const f = new Float32Array(b * rep * s * T)
  for (let r = 0; r < b; r++) {
    for (let i = 0; i < s; i++) {
      const rowBase = (r * rep * s + i) * T
      for (let j = 0; j < T; j++) {
        const ok = j < prefix || allowed(r, i, j - prefix)
        a[rowBase + j] = ok ? 1 : 0
        f[rowBase + j] = ok ? 0 : -10000
      }
    }
    // repeat the s×T block for each query head of a group
    for (let g = 1; g < rep; g++) {
      a.copyWithin((r * rep + g) * s * T, r * rep * s * T, (r * rep + 1) * s * T)
      f.copyWithin((r * rep + g) * s * T, r * rep * s * T, (r * rep + 1) * s * T)
    }
  }
  return {
    allowed: tf.tensor4d(a, [b, 1, rep * s, T]),
    fill: tf.tensor4d(f, [b, 1, rep * s, T])
  }
}

/**
 * q [b, s, heads, hd]; k, v [b, kvHeads, T, hd] (prefix + cache + new). Returns [b·s, heads·hd].
 * Query head h uses kv group h / (heads/kvHeads) (contiguous blocks).
 */
export const attend = (q: tf.Tensor4D, k: tf.Tensor4D, v: tf.Tensor4D, mask: AttentionMask | undefined): tf.Tensor2D => {
  const [b, s, heads, hd] = q.shape
  const [, kvHeads, T] = k.shape
  const rep = heads / kvHeads
  const n = b * kvHeads
  // 3-D views [b·kvHeads, …] so that each (row, group) is one plain 2-D matmul (see batchMatMul);
  // the scale goes on q (s·hd values) rather than on the scores (s·T values)
  const qh = tf.reshape(tf.transpose(tf.mul(q, 1 / Math.sqrt(hd)), [0, 2, 1, 3]), [n, rep * s, hd]) as tf.Tensor3D
  const scores = tf.reshape(batchMatMul(qh, tf.reshape(k, [n, T, hd]) as tf.Tensor3D, true), [b, kvHeads, rep * s, T])
  const masked = mask === undefined ? scores : tf.add(tf.mul(scores, mask.allowed), mask.fill)
  const probs = tf.reshape(tf.softmax(masked), [n, rep * s, T]) as tf.Tensor3D
  const ctx = batchMatMul(probs, tf.reshape(v, [n, T, hd]) as tf.Tensor3D) // [b·kvHeads, rep·s, hd]
  const out = tf.transpose(tf.reshape(ctx, [b, heads, s, hd]), [0, 2, 1, 3])
  return tf.reshape(out, [b * s, heads * hd]) as tf.Tensor2D
}
