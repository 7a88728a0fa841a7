/**
 * Causal-LM cross-entropy as the official ChatGLM code computes it: logits at position t predict
 * labels[t+1]; positions whose target is -100 are ignored. We return the *sum* over targets (and
 * their count) so shards and accumulation steps can be added exactly and divided once by the total
 * number of targets of the optimizer step (= the mean over all target tokens of the batch).
 */
import * as tf from "@tensorflow/tfjs"
import { shiftedTargets } from "./batch.js"

/**
 * One-hot rows as float32 (no gradient needed: ids are data). Built as int32 and cast: the WASM
 * OneHot kernel of tfjs 4.22 returns all zeros when asked for float32 output directly.
 */
export const oneHotF32 = (ids: tf.Tensor1D, depth: number): tf.Tensor2D =>
  tf.tidy(() => tf.cast(tf.oneHot(ids, depth), "float32") as tf.Tensor2D)

/**
 * Sum of cross-entropies of `logits` [rows, vocab] against `targets` weighted by `weights` (0/1).
 * A custom gradient (softmax − one-hot, weighted) avoids differentiating a gather, which has no
 * gradient kernel on the WASM backend.
 */
export const weightedCrossEntropySum = (logits: tf.Tensor2D, targets: Int32Array, weights: Float32Array): tf.Scalar => {
  const rows = logits.shape[0]
  const vocab = logits.shape[1]
  const tTargets = tf.tensor1d(targets, "int32")
  const tWeights = tf.tensor1d(weights, "float32")
  const flatIndex = tf.tidy(() => tf.add(tf.mul(tf.range(0, rows, 1, "int32"), tf.scalar(vocab, "int32")), tTargets))
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const x2 = args[0] as tf.Tensor2D
    const save = args[1] as tf.GradSaveFunc
    const lse = tf.logSumExp(x2, 1)
    const picked = tf.gather(tf.reshape(x2, [-1]), flatIndex)
    const value = tf.sum(tf.mul(tf.sub(lse, picked), tWeights))
    // the forward runs in a tidy that disposes everything not saved: the backward may only use
    // tensors passed through `save`
    save([x2, lse, tTargets, tWeights])
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, lseS, tgt, w] = saved as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, tf.Tensor1D]
        const p = tf.exp(tf.sub(xs, tf.expandDims(lseS, 1)))
        const g = tf.sub(p, oneHotF32(tgt, vocab))
        return tf.mul(g, tf.mul(tf.expandDims(w, 1), dy))
      }
    }
  })
  // callers run this inside tf.tidy / tf.valueAndGrads, whose scopes dispose the helper tensors
  return f(logits) as tf.Scalar
}

/** Loss sum and target count of logits [batch, seq, vocab] against right-padded labels. */
export const lmLossSum = (
  logits: tf.Tensor3D,
  labels: ReadonlyArray<ReadonlyArray<number>>
): { loss: tf.Scalar; count: number } => {
  const [b, s, v] = logits.shape
  const { targets, weights, count } = shiftedTargets(labels)
  if (targets.length !== b * s) throw new Error(`labels are ${labels.length}×${labels[0]?.length}, logits ${b}×${s}`)
  return { loss: weightedCrossEntropySum(tf.reshape(logits, [b * s, v]) as tf.Tensor2D, targets, weights), count }
}
