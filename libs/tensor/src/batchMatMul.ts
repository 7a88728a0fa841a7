/**
 * Batched matmul `[n, m, k] · [n, k, p] → [n, m, p]` issued as n plain 2-D matmuls.
 *
 * On the WASM backend only a 2-D `matMul` without transpose flags reaches XNNPACK; every batched
 * or transposed matmul falls back to a naive loop (~1 GFLOP/s). For attention-sized slices
 * ([128, 32] · [32, 128]) a loop of 2-D matmuls is ~3–4× faster than the batched kernel, even with
 * the per-call overhead. The custom gradient keeps that property: each operand's transpose is one
 * batched `transpose` followed by another loop of plain 2-D matmuls.
 */
import * as tf from "@tensorflow/tfjs"
import { isRecording } from "./tape.js"

/**
 * Below this many multiply-adds per slice the per-call overhead of the loop outweighs the slow
 * kernel (single-token decoding), and one batched matmul is issued instead.
 */
const LOOP_MIN_MACS = 16 * 1024

/** Slice i of a [n, r, c] tensor as [r, c]: contiguous rows of its 2-D view (not `unstack`, see wasmSlice). */
const part = (flat: tf.Tensor2D, i: number, r: number): tf.Tensor2D => tf.slice(flat, [i * r, 0], [r, flat.shape[1]])

const loop = (a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D => {
  const [n, m, k] = a.shape
  const p = b.shape[2]
  const a2 = tf.reshape(a, [n * m, k]) as tf.Tensor2D
  const b2 = tf.reshape(b, [n * k, p]) as tf.Tensor2D
  const ys: tf.Tensor2D[] = []
  for (let i = 0; i < n; i++) {
    const ai = part(a2, i, m)
    const bi = part(b2, i, k)
    ys.push(tf.matMul(ai, bi))
    ai.dispose()
    bi.dispose()
  }
  const y = tf.reshape(tf.concat(ys, 0), [n, m, p]) as tf.Tensor3D
  tf.dispose([a2, b2, ...ys])
  return y
}

const swapLast = (t: tf.Tensor3D): tf.Tensor3D => tf.transpose(t, [0, 2, 1])

const loopWithGrad = tf.customGrad(((a: tf.Tensor3D, b: tf.Tensor3D, save: tf.GradSaveFunc) => {
  // the forward's scope disposes what is not saved; the backward reads only `saved`
  save([a, b])
  return {
    value: loop(a, b),
    gradFunc: (dy: tf.Tensor, [sa, sb]: tf.Tensor[]) => [
      loop(dy as tf.Tensor3D, swapLast(sb as tf.Tensor3D)),
      loop(swapLast(sa as tf.Tensor3D), dy as tf.Tensor3D)
    ]
  }
}) as any) as unknown as (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D

/**
 * `a · b` per leading index, `a` [n, m, k], `b` [n, k, p] (or [n, p, k] with `transposeB`); same
 * numbers as `tf.matMul(a, b, false, transposeB)`.
 */
export const batchMatMul = (a: tf.Tensor3D, b: tf.Tensor3D, transposeB = false): tf.Tensor3D => {
  const [n, m, k] = a.shape
  const [bn, bk, bp] = transposeB ? [b.shape[0], b.shape[2], b.shape[1]] : b.shape
  if (bn !== n || bk !== k) throw new Error(`batchMatMul: shapes [${a.shape}] and [${b.shape}] do not chain`)
  // small slices (decoding): the flag costs less than transposing b explicitly
  if (m * k * bp < LOOP_MIN_MACS) return tf.matMul(a, b, false, transposeB)
  if (!isRecording()) return tf.tidy(() => loop(a, transposeB ? swapLast(b) : b))
  return loopWithGrad(a, transposeB ? swapLast(b) : b)
}
