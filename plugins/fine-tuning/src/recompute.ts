/**
 * Activation recomputation: the loss and gradients of a GLM training step with one layer's
 * activations alive at a time instead of every layer's.
 *
 * The whole-graph path (`tf.valueAndGrads` over the forward) keeps every intermediate of every
 * layer on the gradient tape until the backward pass. Here the program drives the backward itself:
 *
 * 1. forward without a tape, layer by layer, keeping only each layer's input `[b·s, hidden]`
 *    (and only from the lowest layer that needs a gradient: below it nothing is kept);
 * 2. the final norm, head and loss under a gradient call give the loss and dL/d(last output);
 * 3. from the last layer down, the layer is recomputed from its kept input inside a gradient call
 *    seeded with the upstream gradient; that gives dL/d(its input) and its trainable tensors'
 *    gradients, and its activations are freed before the next layer;
 * 4. the embedding gradient (when trained) from dL/dx0, and the prefix encoder's from the
 *    per-layer prefix gradients (P-Tuning v2: each layer's slice of the prefix output is an input
 *    of that layer).
 *
 * The steps are `layerSteps` of the GLM runtime, the very functions the forward runs, so the
 * results are the whole-graph ones up to the order of float additions. Between layers the event
 * loop gets a turn: a long step does not block timers and messages of the thread it runs on.
 * It cannot be a per-layer custom gradient: tfjs 4.22's tape does not allow a gradient call inside
 * a gradient function.
 */
import * as tf from "@tensorflow/tfjs"
import { rowShardBase } from "@zaoji/tensor"
import {
  glm1Names,
  glm2Names,
  isPrefixTensor,
  layerSteps,
  prefixEncoder,
  prefixLayerSlice,
  type GlmConfig,
  type LayerStepsBatch,
  type PreparedLinears,
  type WeightMap
} from "@zaoji/glm-runtime"

export interface LayerwiseInput {
  readonly cfg: GlmConfig
  /** every weight, frozen and trainable, by weight-map key (official names, or row-shard keys) */
  readonly weights: WeightMap
  /** the keys of `weights` that get gradients */
  readonly trainable: ReadonlyArray<string>
  /** token ids (right-padded rows: `padLeft` 0), as the forward takes them */
  readonly batch: Pick<LayerStepsBatch, "inputIds" | "padLeft" | "positionIds">
  /** frozen linears transposed once (`prepareLinears`) */
  readonly prepared?: PreparedLinears
  /** a frozen prefix's output `[pre, kvSize]`, computed once by the caller; else the weights' prefix encoder runs */
  readonly prefixKv?: tf.Tensor
  /**
   * The head and loss of the final norm's output `normed` `[b·s, hidden]`: a scalar differentiable
   * in `normed` and in the weights it reads (the LM head, a tied embedding).
   */
  readonly loss: (normed: tf.Tensor2D, weights: WeightMap) => tf.Scalar
}

export interface LayerwiseResult {
  readonly value: tf.Scalar
  /** by trainable key; the caller owns these and `value` */
  readonly grads: Record<string, tf.Tensor>
}

/** The loss and the gradients of every trainable tensor, one layer's activations at a time. */
export const layerwiseValueAndGrads = async (input: LayerwiseInput): Promise<LayerwiseResult> => {
  const { cfg, weights } = input
  const parts = partition(cfg, input.trainable)
  const hasPrefix = (cfg.pre_seq_len ?? 0) > 0
  const prefixTrained = parts.prefix.length > 0
  const steps = layerSteps(cfg, { ...input.batch, ...(hasPrefix ? { prefixLength: cfg.pre_seq_len! } : {}) }, {
    trainable: new Set(input.trainable),
    ...(input.prepared !== undefined ? { prepared: input.prepared } : {})
  })
  const L = steps.layers
  // the lowest layer whose backward is needed: below it nothing is differentiated
  const firstLayerTrained = parts.layers.findIndex((names) => names.length > 0)
  const lowest = parts.embedding.length > 0 || prefixTrained ? 0 : firstLayerTrained === -1 ? L : firstLayerTrained
  const held = new Set<tf.Tensor>() // every tensor this call owns until it returns
  const hold = <T extends tf.Tensor>(t: T): T => (held.add(t), t)
  const drop = (t: tf.Tensor | undefined) => {
    if (t !== undefined && held.delete(t)) t.dispose()
  }
  const grads: Record<string, tf.Tensor> = {}
  const addGrad = (name: string, g: tf.Tensor) => {
    const before = grads[name]
    if (before === undefined) grads[name] = hold(g)
    else {
      grads[name] = hold(tf.add(before, g))
      drop(before)
      g.dispose()
    }
  }
  try {
    // prefix output and each layer's slice of it (small: pre × 2·kvHeads·headDim per layer)
    const prefixKv = hasPrefix ? (input.prefixKv ?? hold(prefixEncoder(cfg, weights))) : undefined
    const slices = prefixKv !== undefined ? Array.from({ length: L }, (_, i) => hold(tf.tidy(() => prefixLayerSlice(cfg, prefixKv, i)))) : []

    // 1. forward without a tape, keeping the inputs of the layers that are differentiated
    const inputs: Array<tf.Tensor2D | undefined> = []
    let x = hold(tf.tidy(() => steps.embed(weights)))
    for (let i = 0; i < L; i++) {
      const xi = x
      if (i >= lowest) inputs[i] = xi
      x = hold(tf.tidy(() => steps.layer(i, xi, weights, slices[i])))
      if (i < lowest) drop(xi)
      await yieldToEventLoop()
    }

    // 2. final norm, head and loss: the value and dL/d(last layer's output)
    const topNames = parts.top
    const top = tf.valueAndGrads((xL: tf.Tensor, ...ps: tf.Tensor[]) => {
      const w = withTensors(weights, topNames, ps)
      return input.loss(steps.finalNorm(xL as tf.Tensor2D, w), w)
    })([x, ...topNames.map((n) => weights[n]!)])
    const value = hold(top.value)
    let dy: tf.Tensor | undefined = hold(top.grads[0]!)
    topNames.forEach((n, k) => addGrad(n, top.grads[k + 1]!))
    drop(x)

    // 3. each layer from the last down to the lowest one differentiated, recomputed from its input
    const prefixGrads: tf.Tensor[] = []
    for (let i = L - 1; i >= lowest; i--) {
      const names = parts.layers[i]!
      const needInputGrad = i > lowest || parts.embedding.length > 0
      const xi = inputs[i]!
      const ownInputs: tf.Tensor[] = [...(needInputGrad ? [xi] : []), ...(prefixTrained ? [slices[i]!] : []), ...names.map((n) => weights[n]!)]
      const gs = tf.grads((...args: tf.Tensor[]) => {
        let k = 0
        const x = needInputGrad ? (args[k++] as tf.Tensor2D) : xi
        const prefix = prefixTrained ? args[k++] : slices[i]
        return steps.layer(i, x, withTensors(weights, names, args.slice(k)), prefix)
      })(ownInputs, dy)
      let k = 0
      const dx = needInputGrad ? hold(gs[k++]!) : undefined
      if (prefixTrained) prefixGrads[i] = hold(gs[k++]!)
      for (const n of names) addGrad(n, gs[k++]!)
      drop(dy)
      drop(inputs[i])
      inputs[i] = undefined
      dy = dx
      await yieldToEventLoop()
    }

    // 4. the embedding from dL/dx0, the prefix encoder from the layers' prefix gradients
    if (parts.embedding.length > 0) {
      const gs = tf.grads((...ps: tf.Tensor[]) => steps.embed(withTensors(weights, parts.embedding, ps)))(
        parts.embedding.map((n) => weights[n]!),
        dy
      )
      parts.embedding.forEach((n, k) => addGrad(n, gs[k]!))
    }
    drop(dy)
    if (prefixTrained) {
      const dPrefix = hold(tf.concat(prefixGrads, prefixGrads[0]!.rank - 1))
      for (const g of prefixGrads) drop(g)
      const gs = tf.grads((...ps: tf.Tensor[]) => prefixEncoder(cfg, withTensors(weights, parts.prefix, ps)))(
        parts.prefix.map((n) => weights[n]!),
        dPrefix
      )
      parts.prefix.forEach((n, k) => addGrad(n, gs[k]!))
      drop(dPrefix)
    }
    // hand over the results; everything else this call made is freed below
    held.delete(value)
    for (const g of Object.values(grads)) held.delete(g)
    return { value, grads }
  } finally {
    tf.dispose([...held])
    steps.dispose()
  }
}

/**
 * The loss alone, layer by layer, without a gradient and without LoRA dropout (evaluation with
 * `recompute`): each layer's intermediates are freed as it ends, where one `tidy` over the whole
 * forward would hold every layer's until the loss is read.
 */
export const layerwiseLoss = (input: Omit<LayerwiseInput, "trainable">): tf.Scalar => {
  const { cfg, weights } = input
  const hasPrefix = (cfg.pre_seq_len ?? 0) > 0
  const steps = layerSteps(cfg, { ...input.batch, ...(hasPrefix ? { prefixLength: cfg.pre_seq_len! } : {}) }, {
    trainable: new Set(),
    dropout: false,
    ...(input.prepared !== undefined ? { prepared: input.prepared } : {})
  })
  try {
    return tf.tidy(() => {
      const prefixKv = hasPrefix ? (input.prefixKv ?? prefixEncoder(cfg, weights)) : undefined
      let x = steps.embed(weights)
      for (let i = 0; i < steps.layers; i++) {
        const xi = x
        x = tf.tidy(() => steps.layer(i, xi, weights, prefixKv !== undefined ? prefixLayerSlice(cfg, prefixKv, i) : undefined))
        xi.dispose()
      }
      return input.loss(steps.finalNorm(x, weights), weights)
    })
  } finally {
    steps.dispose()
  }
}

// internal

/** The trainable keys by where their gradient comes from. */
interface Parts {
  readonly embedding: string[]
  readonly layers: string[][]
  /** final norm and LM head (and a tied embedding, which then is in `embedding` too) */
  readonly top: string[]
  readonly prefix: string[]
}

const partition = (cfg: GlmConfig, trainable: ReadonlyArray<string>): Parts => {
  const names = cfg.zaoji_arch === "glm1" ? glm1Names : glm2Names
  const tied = cfg.zaoji_arch === "glm2" && cfg.tie_word_embeddings
  const head = tied ? glm2Names.embedding : names.head
  const layers = cfg.num_layers
  const parts: Parts = { embedding: [], layers: Array.from({ length: layers }, () => []), top: [], prefix: [] }
  for (const key of trainable) {
    const name = rowShardBase(key) ?? key
    if (isPrefixTensor(name)) {
      parts.prefix.push(key)
      continue
    }
    const layer = layerOf(names, layers, name)
    if (layer !== undefined) parts.layers[layer]!.push(key)
    else if (name === names.embedding) parts.embedding.push(key)
    if (name === head || name.startsWith(names.finalNorm)) parts.top.push(key)
    else if (layer === undefined && name !== names.embedding) throw new Error(`trainable tensor "${key}" is not part of a GLM layer stack`)
  }
  return parts
}

const layerOf = (names: typeof glm1Names | typeof glm2Names, layers: number, name: string): number | undefined => {
  for (let i = 0; i < layers; i++) if (name.startsWith(names.layer(i))) return i
  return undefined
}

/** the weight map with `names` bound to `tensors` (the tensors a gradient call differentiates) */
const withTensors = (weights: WeightMap, names: ReadonlyArray<string>, tensors: ReadonlyArray<tf.Tensor>): WeightMap => {
  if (names.length === 0) return weights
  const out: Record<string, tf.Tensor> = { ...weights }
  names.forEach((n, k) => (out[n] = tensors[k]!))
  return out
}

/** a turn for timers and messages between layers (setImmediate: after pending I/O, without a timer's delay) */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
