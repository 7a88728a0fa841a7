/**
 * `x + v` and `x · v` for a 2-D `x` [rows, n] and a per-column vector `v` [n] (biases, norm
 * weights), with gradients whose column sums are `ones[1, rows] · g` matmuls: on WASM a sum over
 * axis 0 transposes first and runs ~30× slower than that XNNPACK matmul.
 */
import * as tf from "@tensorflow/tfjs"
import { isRecording } from "./tape.js"

type GradFn = (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[]
const customGrad2 = (f: (x: tf.Tensor, v: tf.Tensor, save: tf.GradSaveFunc) => { value: tf.Tensor; gradFunc: GradFn }) =>
  tf.customGrad(f as any) as unknown as (x: tf.Tensor2D, v: tf.Tensor) => tf.Tensor2D

/** Column sums of `g` [rows, n] shaped like `v`. */
const columnSums = (g: tf.Tensor2D, v: tf.Tensor): tf.Tensor =>
  tf.reshape(tf.matMul(tf.ones([1, g.shape[0]]), g), v.shape)

const addRowGrad = customGrad2((x, v, save) => {
  save([v])
  return {
    value: tf.add(x, v),
    // a reshape gives the tape its own handle on dy (no copy)
    gradFunc: (dy, [sv]) => [tf.reshape(dy, dy.shape), columnSums(dy as tf.Tensor2D, sv!)]
  }
})

const mulRowGrad = customGrad2((x, v, save) => {
  save([x, v])
  return {
    value: tf.mul(x, v),
    gradFunc: (dy, [sx, sv]) => [tf.mul(dy, sv!), columnSums(tf.mul(dy, sx!) as tf.Tensor2D, sv!)]
  }
})

const check = (x: tf.Tensor, v: tf.Tensor): void => {
  if (x.rank !== 2 || v.size !== x.shape[1]) throw new Error(`row op: expected x [rows, n] and v [n], got [${x.shape}] and [${v.shape}]`)
}

/** `x + v` (v broadcast over rows). */
export const addRow = (x: tf.Tensor2D, v: tf.Tensor): tf.Tensor2D => {
  check(x, v)
  return isRecording() ? addRowGrad(x, v) : (tf.add(x, v) as tf.Tensor2D)
}

/** `x · v` elementwise (v broadcast over rows). */
export const mulRow = (x: tf.Tensor2D, v: tf.Tensor): tf.Tensor2D => {
  check(x, v)
  return isRecording() ? mulRowGrad(x, v) : (tf.mul(x, v) as tf.Tensor2D)
}
