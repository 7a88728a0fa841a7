/**
 * Memory a GLM training or evaluation stage needs, estimated before it starts, so that a run that cannot fit is
 * refused at once with the figures and what to change — not after the weights are loaded, and not
 * with a device lost halfway through the night.
 *
 * Float32 throughout (tfjs computes in float32 on every backend). The activation figure counts what
 * the gradient tape keeps per layer: about ten hidden-sized tensors and three FFN-sized ones per
 * token, the attention scores and probabilities of every head, and the logits with their softmax
 * and gradient. It is an estimate, meant to be within a small factor and on the high side. With
 * activation recomputation (the training setting `recompute`) the tape holds one layer's
 * intermediates at a time, plus every layer's input (one hidden-sized tensor per token and layer).
 */
import { formatBytes, type MemoryBudget } from "@zaoji/tensor"
import { dimsOf } from "./model/config.js"
import { baseWeightShapes, prefixWeightShapes } from "./model/names.js"
import type { GlmConfig } from "./model/types.js"

const F32 = 4
/** hidden-sized and FFN-sized tensors the tape keeps per token and layer (norms, q/k/v, residuals; FFN in/out/activation) */
const HIDDEN_TENSORS_PER_LAYER = 10
const FFN_TENSORS_PER_LAYER = 3
/** attention scores, masked scores, probabilities */
const SCORE_TENSORS = 3
/** logits, log-softmax, their gradient */
const LOGIT_TENSORS = 3
/** headroom kept free on the device (allocator pools, fragmentation, kernels' temporaries) */
export const DEVICE_HEADROOM = 0.9

export interface TrainingMemoryEstimate {
  readonly batch: number
  readonly length: number
  readonly parameters: number
  readonly trainableParameters: number
  /** activation recomputation: one layer's activations at a time */
  readonly recompute: boolean
  /** every weight on the device */
  readonly weightsBytes: number
  /** gradients of the trainable tensors on the device */
  readonly gradientBytes: number
  readonly activationsBytes: number
  readonly logitsBytes: number
  readonly deviceBytes: number
  /** host: the loaded weights before upload, and parameters, gradients and both AdamW moments of the trainable tensors */
  readonly hostBytes: number
  readonly largestTensor: { readonly name: string; readonly bytes: number }
}

const numel = (shape: ReadonlyArray<number>) => shape.reduce((a, b) => a * b, 1)

/** every weight of the config: count, and the largest one */
const weightSummary = (cfg: GlmConfig) => {
  const shapes = { ...baseWeightShapes(cfg), ...prefixWeightShapes(cfg) }
  let parameters = 0
  let largest = { name: "", bytes: 0 }
  for (const [name, shape] of Object.entries(shapes)) {
    const n = numel(shape)
    parameters += n
    if (n * F32 > largest.bytes) largest = { name, bytes: n * F32 }
  }
  return { shapes, parameters, largest }
}

/** The estimate for training `trainable` of `cfg` at `batch` rows of `length` tokens. */
export const estimateTrainingMemory = (
  cfg: GlmConfig,
  trainable: ReadonlyArray<string>,
  batch: number,
  length: number,
  options: { readonly recompute?: boolean } = {}
): TrainingMemoryEstimate => {
  const d = dimsOf(cfg)
  const { shapes, parameters, largest } = weightSummary(cfg)
  const trainableParameters = trainable.reduce((a, name) => a + (shapes[name] !== undefined ? numel(shapes[name]!) : 0), 0)
  const tokens = batch * length
  // glm2's h_to_4h produces both SwiGLU halves (2·ffn); glm1's produces ffn
  const ffnWidth = d.arch === "glm2" ? 2 * d.ffn : d.ffn
  const perLayer = tokens * (HIDDEN_TENSORS_PER_LAYER * d.hidden + FFN_TENSORS_PER_LAYER * ffnWidth) * F32 + batch * d.heads * length * (length + d.preSeqLen) * SCORE_TENSORS * F32
  const recompute = options.recompute ?? false
  // recomputation keeps each layer's input [tokens, hidden] and one layer's intermediates
  const activationsBytes = recompute ? d.layers * tokens * d.hidden * F32 + perLayer : d.layers * perLayer
  const logitsBytes = tokens * d.vocab * LOGIT_TENSORS * F32
  const weightsBytes = parameters * F32
  const gradientBytes = trainableParameters * F32
  return {
    batch,
    length,
    parameters,
    trainableParameters,
    recompute,
    weightsBytes,
    gradientBytes,
    activationsBytes,
    logitsBytes,
    deviceBytes: weightsBytes + gradientBytes + activationsBytes + logitsBytes,
    hostBytes: weightsBytes + 4 * trainableParameters * F32,
    largestTensor: largest
  }
}

export interface InferenceMemoryEstimate {
  readonly batch: number
  readonly length: number
  readonly weightsBytes: number
  /** keys and values of every layer for every position */
  readonly kvCacheBytes: number
  /** one layer's intermediates at a time (no gradient tape) */
  readonly activationsBytes: number
  /** logits of every position (scoring reads them all) */
  readonly logitsBytes: number
  readonly deviceBytes: number
  readonly hostBytes: number
  readonly largestTensor: { readonly name: string; readonly bytes: number }
}

/** The estimate for evaluating `cfg` (scoring and cached generation) at `batch` rows of up to `length` tokens. */
export const estimateInferenceMemory = (cfg: GlmConfig, batch: number, length: number): InferenceMemoryEstimate => {
  const d = dimsOf(cfg)
  const { parameters, largest } = weightSummary(cfg)
  const tokens = batch * length
  const ffnWidth = d.arch === "glm2" ? 2 * d.ffn : d.ffn
  const kvCacheBytes = 2 * d.layers * tokens * d.kvHeads * d.headDim * F32
  const activationsBytes = tokens * (HIDDEN_TENSORS_PER_LAYER * d.hidden + FFN_TENSORS_PER_LAYER * ffnWidth) * F32 + batch * d.heads * length * (length + d.preSeqLen) * SCORE_TENSORS * F32
  const logitsBytes = tokens * d.vocab * 2 * F32
  const weightsBytes = parameters * F32
  return {
    batch,
    length,
    weightsBytes,
    kvCacheBytes,
    activationsBytes,
    logitsBytes,
    deviceBytes: weightsBytes + kvCacheBytes + activationsBytes + logitsBytes,
    hostBytes: weightsBytes,
    largestTensor: largest
  }
}

/** Why an evaluation of the estimate cannot run on the budget (with what to change), or undefined. */
export const inferenceMemoryRefusal = (e: InferenceMemoryEstimate, budget: MemoryBudget, backend: string): string | undefined => {
  // no refusal on the binding limit: a model folder loads every matrix above it as row shards
  // (weights/shards.ts), and one row (at most the ffn width) is far below any adapter's limit
  // what stays for the whole evaluation: the weights and a full key/value cache. Activations and
  // logits depend on the prompts actually met (the full context is rarely used) and last one layer
  // or one batch, so they are reported but do not refuse.
  const resident = e.weightsBytes + e.kvCacheBytes
  const parts = `weights ${formatBytes(e.weightsBytes)} and a key/value cache of ${formatBytes(e.kvCacheBytes)} at batch ${e.batch} × ${e.length} tokens`
  const change = `lower batchSize (now ${e.batch}), or choose a backend with more memory (--backend, ZAOJI_BACKEND)`
  if (budget.deviceBytes !== undefined && resident > budget.deviceBytes * DEVICE_HEADROOM) {
    return `this evaluation needs at least ${formatBytes(resident)} on ${backend} (${parts}), but ${backend} has ${formatBytes(budget.deviceBytes)} (${budget.source}); ${change}`
  }
  if (e.hostBytes > budget.hostBytes * DEVICE_HEADROOM) {
    return `loading this model needs about ${formatBytes(e.hostBytes)} of host memory but the host has ${formatBytes(budget.hostBytes)}`
  }
  return undefined
}

/**
 * Why the estimate does not fit the budget (a message with the figures and what to change), or
 * undefined when it fits or the device's size is unknown.
 */
export const trainingMemoryRefusal = (e: TrainingMemoryEstimate, budget: MemoryBudget, backend: string): string | undefined => {
  const parts = `weights ${formatBytes(e.weightsBytes)}, gradients ${formatBytes(e.gradientBytes)}, activations ${formatBytes(e.activationsBytes)} and logits ${formatBytes(e.logitsBytes)} at batch ${e.batch} × ${e.length} tokens`
  const change =
    `lower batchSize (now ${e.batch}) or the sequence lengths (maxSourceLength/maxTargetLength; the longest example now has ${e.length} tokens), ` +
    `train fewer tensors (trainableLayers, preSeqLen), ${e.recompute ? "" : "turn on recompute (one layer's activations at a time), "}or choose a backend with more memory (--backend, ZAOJI_BACKEND)`
  if (budget.maxBindingBytes !== undefined && e.largestTensor.bytes > budget.maxBindingBytes) {
    return (
      `${backend} cannot hold ${e.largestTensor.name} (${formatBytes(e.largestTensor.bytes)}) as one tensor: this adapter binds at most ` +
      `${formatBytes(budget.maxBindingBytes)} per tensor, and the training program holds each tensor whole (row shards serve loading and inference so far); choose another backend (--backend, ZAOJI_BACKEND)`
    )
  }
  if (budget.deviceBytes !== undefined && e.deviceBytes > budget.deviceBytes * DEVICE_HEADROOM) {
    return `this training needs about ${formatBytes(e.deviceBytes)} on ${backend} (${parts}), but ${backend} has ${formatBytes(budget.deviceBytes)} (${budget.source}); ${change}`
  }
  if (e.hostBytes > budget.hostBytes * DEVICE_HEADROOM) {
    return `this training needs about ${formatBytes(e.hostBytes)} of host memory (the weights while loading, and parameters, gradients and AdamW moments of ${e.trainableParameters.toLocaleString("en")} trainable parameters) but the host has ${formatBytes(budget.hostBytes)}; ${change}`
  }
  return undefined
}
