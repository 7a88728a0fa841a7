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
import { formatBytes, rowsPerShardFor, type MemoryBudget } from "@zaoji/tensor"
import { dimsOf } from "./model/config.js"
import { keepsTransposedCopies } from "./model/model.js"
import { baseWeightShapes, isPrefixTensor, linearWeightNames, prefixWeightShapes } from "./model/names.js"
import type { GlmConfig } from "./model/types.js"
import { needsRowShards } from "./weights/shards.js"

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
  readonly transposedCopies: TransposedCopies
  readonly rowShards: RowShardCount
  /** the largest tensor held whole whatever the binding limit (a prefix tensor, a vector) */
  readonly largestWhole: { readonly name: string; readonly bytes: number }
  /** the widest row of a matrix that may be row-sharded (a shard holds at least one row) */
  readonly widestRow: { readonly name: string; readonly bytes: number }
}

/**
 * The `[in, out]` copies of the frozen linear weights (`prepareLinears`): kept on WASM, where they
 * make the products an order of magnitude faster, not on WebGPU, where the matmul reads the weight
 * transposed at little cost. `bytes` is their size either way: counted in the device figure when
 * `kept`, saved when not.
 */
export interface TransposedCopies {
  readonly kept: boolean
  readonly bytes: number
}

/** Matrices above the binding limit, held as row shards, and their shards in all (0 and 0 without a limit). */
export interface RowShardCount {
  readonly maxBindingBytes: number | undefined
  readonly tensors: number
  readonly shards: number
}

export interface MemoryEstimateOptions {
  /** the backend that will run (`tf.getBackend()`): whether frozen linears keep transposed copies; default: they do */
  readonly backend?: string
  /** its binding limit (WebGPU's maxStorageBufferBindingSize): which matrices become row shards */
  readonly maxBindingBytes?: number
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
  options: { readonly recompute?: boolean } & MemoryEstimateOptions = {}
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
  const transposedCopies = copiesOf(cfg, shapes, new Set(trainable), options.backend)
  const held = heldShapes(shapes, options.maxBindingBytes)
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
    deviceBytes: weightsBytes + (transposedCopies.kept ? transposedCopies.bytes : 0) + gradientBytes + activationsBytes + logitsBytes,
    hostBytes: weightsBytes + 4 * trainableParameters * F32,
    largestTensor: largest,
    transposedCopies,
    ...held
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
  readonly transposedCopies: TransposedCopies
}

/** The estimate for evaluating `cfg` (scoring and cached generation) at `batch` rows of up to `length` tokens. */
export const estimateInferenceMemory = (cfg: GlmConfig, batch: number, length: number, options: Pick<MemoryEstimateOptions, "backend"> = {}): InferenceMemoryEstimate => {
  const d = dimsOf(cfg)
  const { shapes, parameters, largest } = weightSummary(cfg)
  const tokens = batch * length
  const ffnWidth = d.arch === "glm2" ? 2 * d.ffn : d.ffn
  const kvCacheBytes = 2 * d.layers * tokens * d.kvHeads * d.headDim * F32
  const activationsBytes = tokens * (HIDDEN_TENSORS_PER_LAYER * d.hidden + FFN_TENSORS_PER_LAYER * ffnWidth) * F32 + batch * d.heads * length * (length + d.preSeqLen) * SCORE_TENSORS * F32
  const logitsBytes = tokens * d.vocab * 2 * F32
  const weightsBytes = parameters * F32
  // a loaded model prepares every linear (nothing is trained)
  const transposedCopies = copiesOf(cfg, shapes, new Set(), options.backend)
  return {
    batch,
    length,
    weightsBytes,
    kvCacheBytes,
    activationsBytes,
    logitsBytes,
    deviceBytes: weightsBytes + (transposedCopies.kept ? transposedCopies.bytes : 0) + kvCacheBytes + activationsBytes + logitsBytes,
    hostBytes: weightsBytes,
    largestTensor: largest,
    transposedCopies
  }
}

/** Why an evaluation of the estimate cannot run on the budget (with what to change), or undefined. */
export const inferenceMemoryRefusal = (e: InferenceMemoryEstimate, budget: MemoryBudget, backend: string): string | undefined => {
  // no refusal on the binding limit: a model folder loads every matrix above it as row shards
  // (weights/shards.ts), and one row (at most the ffn width) is far below any adapter's limit
  // what stays for the whole evaluation: the weights and a full key/value cache. Activations and
  // logits depend on the prompts actually met (the full context is rarely used) and last one layer
  // or one batch, so they are reported but do not refuse.
  const copies = e.transposedCopies.kept ? e.transposedCopies.bytes : 0
  const resident = e.weightsBytes + copies + e.kvCacheBytes
  const parts = `weights ${formatBytes(e.weightsBytes)}${copies > 0 ? ` with their transposed copies ${formatBytes(copies)}` : ""} and a key/value cache of ${formatBytes(e.kvCacheBytes)} at batch ${e.batch} × ${e.length} tokens`
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
  const copies = e.transposedCopies.kept ? `, transposed copies of the frozen linears ${formatBytes(e.transposedCopies.bytes)}` : ""
  const parts = `weights ${formatBytes(e.weightsBytes)}${copies}, gradients ${formatBytes(e.gradientBytes)}, activations ${formatBytes(e.activationsBytes)} and logits ${formatBytes(e.logitsBytes)} at batch ${e.batch} × ${e.length} tokens`
  const change =
    `lower batchSize (now ${e.batch}) or the sequence lengths (maxSourceLength/maxTargetLength; the longest example now has ${e.length} tokens), ` +
    `train fewer tensors (trainableLayers, preSeqLen), ${e.recompute ? "" : "turn on recompute (one layer's activations at a time), "}or choose a backend with more memory (--backend, ZAOJI_BACKEND)`
  // a matrix above the binding limit is held as row shards (frozen or trainable); what cannot be
  // split is a tensor the program holds whole (a prefix tensor) or a single row above the limit
  const limit = budget.maxBindingBytes
  if (limit !== undefined && e.largestWhole.bytes > limit) {
    return (
      `${backend} cannot hold ${e.largestWhole.name} (${formatBytes(e.largestWhole.bytes)}) as one tensor: this adapter binds at most ` +
      `${formatBytes(limit)} per tensor, and the training program splits only matrices of the model into row shards, not the prefix encoder; lower preSeqLen, or choose another backend (--backend, ZAOJI_BACKEND)`
    )
  }
  if (limit !== undefined && e.widestRow.bytes > limit) {
    return `${backend} cannot hold one row of ${e.widestRow.name} (${formatBytes(e.widestRow.bytes)}): this adapter binds at most ${formatBytes(limit)} per tensor; choose another backend (--backend, ZAOJI_BACKEND)`
  }
  if (budget.deviceBytes !== undefined && e.deviceBytes > budget.deviceBytes * DEVICE_HEADROOM) {
    return `this training needs about ${formatBytes(e.deviceBytes)} on ${backend} (${parts}), but ${backend} has ${formatBytes(budget.deviceBytes)} (${budget.source}); ${change}`
  }
  if (e.hostBytes > budget.hostBytes * DEVICE_HEADROOM) {
    return `this training needs about ${formatBytes(e.hostBytes)} of host memory (the weights while loading, and parameters, gradients and AdamW moments of ${e.trainableParameters.toLocaleString("en")} trainable parameters) but the host has ${formatBytes(budget.hostBytes)}; ${change}`
  }
  return undefined
}

// internal

/** the frozen linears' transposed copies, and whether `backend` keeps them */
const copiesOf = (cfg: GlmConfig, shapes: Readonly<Record<string, ReadonlyArray<number>>>, trainable: ReadonlySet<string>, backend: string | undefined): TransposedCopies => {
  const bytes = linearWeightNames(cfg)
    .filter((n) => !trainable.has(n))
    .reduce((a, n) => a + numel(shapes[n]!) * F32, 0)
  return { kept: backend === undefined || keepsTransposedCopies(backend), bytes }
}

/** what the training program holds at a binding limit: row shards, the largest whole tensor, the widest row */
const heldShapes = (
  shapes: Readonly<Record<string, ReadonlyArray<number>>>,
  maxBindingBytes: number | undefined
): Pick<TrainingMemoryEstimate, "rowShards" | "largestWhole" | "widestRow"> => {
  let tensors = 0
  let shards = 0
  let largestWhole = { name: "", bytes: 0 }
  let widestRow = { name: "", bytes: 0 }
  for (const [name, shape] of Object.entries(shapes)) {
    const bytes = numel(shape) * F32
    const splittable = shape.length === 2 && !isPrefixTensor(name)
    if (!splittable) {
      if (bytes > largestWhole.bytes) largestWhole = { name, bytes }
      continue
    }
    if (shape[1]! * F32 > widestRow.bytes) widestRow = { name, bytes: shape[1]! * F32 }
    if (maxBindingBytes !== undefined && needsRowShards(shape, maxBindingBytes) && shape[1]! * F32 <= maxBindingBytes) {
      tensors++
      shards += Math.ceil(shape[0]! / rowsPerShardFor([shape[0]!, shape[1]!], maxBindingBytes))
    }
  }
  return { rowShards: { maxBindingBytes, tensors, shards }, largestWhole, widestRow }
}
