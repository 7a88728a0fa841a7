/**
 * The supervised causal-LM loss of every GLM training (pretraining, P-Tuning v2, freeze, LoRA) and
 * of the GPU device check: the forward's final-norm states, the LM head only on the positions that
 * have a target, summed cross-entropy.
 *
 * Targets follow the official ChatGLM convention (the logits at t against labels[t+1]). Only the
 * rows with a target go through the head: prompts carry no loss, so this skips a large share of the
 * head's matmuls (a 130k × 4096 product per row at 6B) and changes no number. The head may be held
 * whole or as row shards (`name#rows<k>`, a matrix above the backend's binding limit); a sharded
 * head runs one product per shard, and a trainable one gets one gradient per shard.
 */
import * as tf from "@tensorflow/tfjs"
import { embeddingLookup, linear, linearRows, rowShardKey, rowShardsIn } from "@zaoji/tensor"
import { shiftedTargets, weightedCrossEntropySum, type TokenBatch } from "@zaoji/training"
import { forward, glm1Names, glm2Names, type GlmConfig, type PreparedLinears, type WeightMap } from "@zaoji/glm-runtime"

export interface SupervisedLossOptions {
  /**
   * weight-map keys that are differentiated (an official name, or the shard keys of a sharded
   * one); every other linear skips its weight gradient
   */
  readonly trainable: ReadonlySet<string>
  /** frozen linears transposed once (`prepareLinears`); absent entries multiply by the weight itself */
  readonly prepared?: PreparedLinears
  /** the P-Tuning v2 prefix keys/values (`prefixEncoder`), when the config has a prefix */
  readonly prefixKv?: tf.Tensor
}

export interface SupervisedLoss {
  /** sum of the token cross-entropies (not the mean: workers and accumulation add sums) */
  readonly loss: tf.Scalar
  /** number of targets the sum is over */
  readonly count: number
}

/**
 * The summed loss of a right-padded batch whose labels are -100 where there is no target. Runs in
 * the caller's scope (a gradient tape or a tidy), which owns the intermediates.
 */
export const supervisedLoss = (cfg: GlmConfig, weights: WeightMap, batch: TokenBatch, options: SupervisedLossOptions): SupervisedLoss => {
  const b = batch.inputIds.length
  const s = batch.inputIds[0]!.length
  const out = forward(
    cfg,
    weights,
    { inputIds: batch.inputIds, padLeft: batch.inputIds.map(() => 0), ...(options.prefixKv !== undefined ? { prefixKv: options.prefixKv } : {}) },
    { logits: "none", hidden: true, trainable: options.trainable, ...(options.prepared !== undefined ? { prepared: options.prepared } : {}) }
  )
  const normed = out.hidden![out.hidden!.length - 1]!
  return supervisedHeadLoss(cfg, weights, tf.reshape(normed, [b * s, cfg.hidden_size]) as tf.Tensor2D, batch.labels, options)
}

/**
 * The part of `supervisedLoss` after the layers: the final-norm states `normed` `[b·s, hidden]` of
 * the batch whose `labels` are given, through the LM head on the target rows, summed cross-entropy.
 * Activation recomputation (recompute.ts) calls it on its own, after running the layers itself.
 */
export const supervisedHeadLoss = (
  cfg: GlmConfig,
  weights: WeightMap,
  normed: tf.Tensor2D,
  labels: ReadonlyArray<ReadonlyArray<number>>,
  options: Pick<SupervisedLossOptions, "trainable" | "prepared">
): SupervisedLoss => {
  const { rows, targets, count } = targetRows(labels, normed.shape[0])
  if (rows.length === 0) return { loss: tf.scalar(0), count: 0 }
  const selected = embeddingLookup(normed, rows)
  const logits = lmHead(cfg, weights, selected, options)
  return { loss: weightedCrossEntropySum(logits, targets, new Float32Array(rows.length).fill(1)), count }
}

/** The LM head's weight name: glm1's `lm_head`, glm2's `output_layer`, or the embedding when tied. */
export const lmHeadName = (cfg: GlmConfig): string =>
  cfg.zaoji_arch === "glm1" ? glm1Names.head : cfg.tie_word_embeddings ? glm2Names.embedding : glm2Names.head

// internal

/** flat positions (row-major over the batch) that have a target, their target ids, and how many */
const targetRows = (labels: ReadonlyArray<ReadonlyArray<number>>, positions: number): { rows: number[]; targets: Int32Array; count: number } => {
  const { targets, weights, count } = shiftedTargets(labels)
  const rows: number[] = []
  const picked: number[] = []
  for (let i = 0; i < positions; i++) {
    if (weights[i] === 1) {
      rows.push(i)
      picked.push(targets[i]!)
    }
  }
  return { rows, targets: Int32Array.from(picked), count }
}

/** `x · headᵀ` with the head held whole or as row shards */
const lmHead = (cfg: GlmConfig, weights: WeightMap, x: tf.Tensor2D, options: Pick<SupervisedLossOptions, "trainable" | "prepared">): tf.Tensor2D => {
  const head = lmHeadName(cfg)
  const whole = weights[head] as tf.Tensor2D | undefined
  if (whole !== undefined) {
    const train = options.trainable.has(head)
    return linear(x, whole, { weightGrad: train, ...(train ? {} : weightTOf(options.prepared, head)) }) as tf.Tensor2D
  }
  const shards = rowShardsIn(weights, head)
  if (shards === undefined) throw new Error(`the LM head "${head}" is not in the weight map (whole or as row shards)`)
  const train = (k: number) => options.trainable.has(head) || options.trainable.has(rowShardKey(head, k))
  return linearRows(x, shards, { weightGrad: train, weightT: (k) => (train(k) ? undefined : options.prepared?.get(rowShardKey(head, k))) }) as tf.Tensor2D
}

const weightTOf = (prepared: PreparedLinears | undefined, name: string): { weightT?: tf.Tensor2D } => {
  const t = prepared?.get(name)
  return t === undefined ? {} : { weightT: t }
}
