/**
 * Log-likelihood of continuations given contexts (exam scoring): `log P(continuation | context)`
 * summed over the continuation tokens (natural log), with the token count. Batched with left
 * padding; the logits at position t score the token at t+1.
 */
import * as tf from "@tensorflow/tfjs"
import { dimsOf } from "../model/config.js"
import { forward } from "../model/forward.js"
import { leftPad } from "../generate/generate.js"
import type { GlmModel, ScoreItem, ScoreResult } from "../model/types.js"

export const scoreContinuations = async (
  model: GlmModel,
  items: ReadonlyArray<ScoreItem>,
  options: { readonly batchSize?: number } = {}
): Promise<ScoreResult[]> => {
  const bs = Math.max(1, options.batchSize ?? 8)
  const results: ScoreResult[] = []
  const vocab = dimsOf(model.config).vocab
  items.forEach((it, i) => {
    if (it.context.length === 0) throw new Error(`score item ${i}: empty context`)
    for (const t of [...it.context, ...it.continuation]) {
      if (!Number.isInteger(t) || t < 0 || t >= vocab) throw new RangeError(`score item ${i}: token id ${t} is outside the vocabulary [0, ${vocab})`)
    }
  })
  for (let start = 0; start < items.length; start += bs) {
    const chunk = items.slice(start, start + bs)
    const rows = chunk.map((it) => [...it.context, ...it.continuation])
    const { ids, pads } = leftPad(rows, model.config.pad_token_id)
    const s = ids[0].length
    const gatherIdx: number[] = []
    const owner: number[] = []
    const out = forward(model.config, model.weights, { inputIds: ids, padLeft: pads, prefixKv: model.prefixKv }, { logits: "all", prepared: model.prepared, trainable: new Set() })
    const logits = out.logits!
    const V = logits.shape[2]
    chunk.forEach((it, r) => {
      const first = pads[r] + it.context.length // index of the first continuation token
      for (let j = 0; j < it.continuation.length; j++) {
        gatherIdx.push((r * s + first + j - 1) * V + it.continuation[j])
        owner.push(r)
      }
    })
    const picked = tf.tidy(() => {
      const logp = tf.logSoftmax(logits)
      return tf.gather(tf.reshape(logp, [-1]), tf.tensor1d(Int32Array.from(gatherIdx), "int32"))
    })
    logits.dispose()
    const vals = gatherIdx.length > 0 ? ((await picked.data()) as Float32Array) : new Float32Array(0)
    picked.dispose()
    const sums = chunk.map(() => 0)
    vals.forEach((v, k) => {
      sums[owner[k]] += v
    })
    chunk.forEach((it, r) => results.push({ sum: sums[r], count: it.continuation.length }))
  }
  return results
}
