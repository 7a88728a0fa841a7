/**
 * Matmul-shaped helpers for the WASM backend, where a plain 2-D `matMul(a, b)` is an order of
 * magnitude faster than a batched matmul or one with a transpose flag. Every helper here issues only
 * plain 2-D matmuls, in the forward pass and in its custom gradient (explicit transposes instead of
 * transpose flags). The same code is correct on every backend.
 */
import * as tf from "@tensorflow/tfjs"
import { addRow } from "./rowOps.js"
import { isRecording } from "./tape.js"

type GradResult = { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[] }
// tfjs types the custom-gradient callback loosely (inputs and the save function share one rest list)
const customGrad = <F extends (...inputs: any[]) => tf.Tensor>(f: (...args: any[]) => GradResult): F =>
  tf.customGrad(f as any) as unknown as F

export { isRecording } from "./tape.js"

/** `a · b` for 2-D tensors, with a gradient made of plain 2-D matmuls. */
export const matMul2d = customGrad<(a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D>(
  (a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    // tensors a gradient needs must be saved: the forward's scope may dispose them before backprop
    save([a, b])
    return {
      value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
      gradFunc: (dy: tf.Tensor, [sa, sb]: tf.Tensor[]) => [
        tf.matMul(dy as tf.Tensor2D, tf.transpose(sb as tf.Tensor2D)),
        tf.matMul(tf.transpose(sa as tf.Tensor2D), dy as tf.Tensor2D)
      ]
    }
  }
)

/**
 * `a · b` where only `a` needs a gradient (b frozen or constant); `bT` (= bᵀ) may be given when
 * already at hand. `b` is passed through the save list so it outlives the forward's scope.
 */
export const matMulConstB = (a: tf.Tensor2D, b: tf.Tensor2D, bT?: tf.Tensor2D): tf.Tensor2D =>
  !isRecording() ? tf.matMul(a, b) : customGrad<(x: tf.Tensor2D) => tf.Tensor2D>((x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([bT ?? b])
    return {
      value: tf.matMul(x as tf.Tensor2D, b),
      gradFunc: (dy: tf.Tensor, [s]: tf.Tensor[]) =>
        tf.matMul(dy as tf.Tensor2D, bT !== undefined ? (s as tf.Tensor2D) : tf.transpose(s as tf.Tensor2D))
    }
  })(a)

/**
 * `a · wᵀ` for a frozen `w` (`[out, in]`) without a kept transposed copy: the transpose exists only
 * while the product runs, and the gradient `dy · w` needs none.
 */
const matMulTransposedConst = (a: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D =>
  customGrad<(x: tf.Tensor2D) => tf.Tensor2D>((x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([w])
    return {
      value: matMulWT(x as tf.Tensor2D, w),
      gradFunc: (dy: tf.Tensor, [s]: tf.Tensor[]) => tf.matMul(dy as tf.Tensor2D, s as tf.Tensor2D)
    }
  })(a)

export interface LinearOptions {
  /** the weight pre-transposed to [in, out] (computed once for frozen weights) */
  readonly weightT?: tf.Tensor2D
  readonly bias?: tf.Tensor
  /** whether a gradient with respect to the weight is wanted (default true) */
  readonly weightGrad?: boolean
}

/**
 * PyTorch `Linear`: `y = x · Wᵀ + b` with `W` in the official `[out, in]` layout and `x` of any rank
 * `[..., in]`. The forward multiplies by `Wᵀ` (pre-transposed when given); the weight gradient is
 * `dyᵀ · x`, already in `[out, in]` layout, so no transpose flag is ever used.
 */
export const linear = (x: tf.Tensor, w: tf.Tensor2D, options: LinearOptions = {}): tf.Tensor => {
  const [outDim, inDim] = w.shape
  const lead = x.shape.slice(0, -1)
  const x2 = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, inDim]) as tf.Tensor2D
  const wT = options.weightT
  let y: tf.Tensor2D
  if (!isRecording()) {
    // inference: one fused kernel for matmul + bias (in a tidy: the transposed weight is temporary)
    return tf.tidy(() => {
      const yf =
        wT === undefined && transposeFlagIsCheap()
          ? tf.fused.matMul({ a: x2, b: w, transposeB: true, bias: options.bias })
          : tf.fused.matMul({ a: x2, b: wT ?? tf.transpose(w), bias: options.bias })
      return x.rank === 2 ? yf : tf.reshape(yf, [...lead, outDim])
    })
  } else if (options.weightGrad === false) {
    // dx = dy · W: W itself is the transpose of the forward operand
    y = wT !== undefined ? matMulConstB(x2, wT, w) : matMulTransposedConst(x2, w)
  } else {
    const f = customGrad<(a: tf.Tensor2D, b: tf.Tensor2D) => tf.Tensor2D>((xi: tf.Tensor, wi: tf.Tensor, save: tf.GradSaveFunc) => {
      save([xi, wi])
      return {
        // the transposed weight lives only for this product (at 4096 × 16384 it is 268 MB)
        value: wT !== undefined ? tf.matMul(xi as tf.Tensor2D, wT) : matMulWT(xi as tf.Tensor2D, wi as tf.Tensor2D),
        gradFunc: (dy: tf.Tensor, [sx, sw]: tf.Tensor[]) => [
          tf.matMul(dy as tf.Tensor2D, sw as tf.Tensor2D),
          tf.matMul(tf.transpose(dy as tf.Tensor2D), sx as tf.Tensor2D)
        ]
      }
    })
    y = f(x2, w)
  }
  const yb = options.bias !== undefined ? addRow(y, options.bias) : y
  return x.rank === 2 ? yb : tf.reshape(yb, [...lead, outDim])
}

/**
 * Embedding lookup `table[ids]` with a gradient that works on WASM (which lacks the
 * UnsortedSegmentSum kernel behind `tf.gather`'s gradient): the gradient is a `scatterND` whose
 * duplicate indices add up. `ids` is a plain array (ids are data, never differentiated).
 */
export const embeddingLookup = (table: tf.Tensor2D, ids: ReadonlyArray<number>): tf.Tensor2D => {
  const [vocab, dim] = table.shape
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= vocab) throw new RangeError(`token id ${id} is outside the vocabulary [0, ${vocab})`)
  }
  const f = customGrad<(t: tf.Tensor2D) => tf.Tensor2D>((t: tf.Tensor) => {
    const idx = tf.tensor1d(Int32Array.from(ids), "int32")
    const value = tf.gather(t, idx)
    idx.dispose()
    return {
      value,
      gradFunc: (dy: tf.Tensor) => {
        const idx2 = tf.tensor2d(Int32Array.from(ids), [ids.length, 1], "int32")
        return tf.scatterND(idx2, dy as tf.Tensor2D, [vocab, dim])
      }
    }
  })
  return f(table)
}

/** Transpose `[out, in]` weights once to `[in, out]` (for frozen weights used many times). */
export const transposeOnce = (w: tf.Tensor2D): tf.Tensor2D => tf.tidy(() => tf.transpose(w))

// internal

/**
 * WebGPU's matmul reads a transposed operand in the kernel itself (`transposeB`), so there a
 * weight needs no transposed copy; WASM's is an order of magnitude slower with the flag than after
 * an explicit transpose.
 */
const transposeFlagIsCheap = (): boolean => tf.getBackend() === "webgpu"

/** `x · wᵀ` without a kept transposed copy (an explicit transpose lives only for this product off WebGPU) */
const matMulWT = (x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D =>
  transposeFlagIsCheap() ? tf.matMul(x, w, false, true) : tf.tidy(() => tf.matMul(x, tf.transpose(w)))
