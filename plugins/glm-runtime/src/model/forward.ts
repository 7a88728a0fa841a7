/**
 * The functional GLM forward: `(config, weights, batch, options) → logits (+ hidden, + cache)`.
 * Differentiable with respect to any weight and to `batch.prefixKv`. Runs inside its own `tidy`,
 * so only the returned tensors survive.
 */
import * as tf from "@tensorflow/tfjs"
import { addRow, embeddingLookup, embeddingLookupRows, isRecording, linear, linearRows, mulRow, rowShardKey, rowShardsIn } from "@zaoji/tensor"
import { attend, buildMask } from "./attention.js"
import { dimsOf, type Dims } from "./config.js"
import { cachedRow, countLeftPad, glm1Row, glm2Row, InputLayoutError, type RowLayout } from "./layout.js"
import { loraNames, loraScaling } from "./lora.js"
import { glm1Names, glm2Names } from "./names.js"
import { prefixForLayer, prefixFromLayerSlice } from "./prefix.js"
import { applyRotary, ROTATION_KEY, ROTATION_T_KEY, rotaryTables, rotationMatrix } from "./rotary.js"
import type { ForwardBatch, ForwardOptions, ForwardOutput, GlmConfig, KvCache, WeightMap } from "./types.js"

/** glm1's residual scale: sqrt(2·28) for every config (the official block default, never overridden). */
export const GLM1_ALPHA = Math.sqrt(2 * 28)

const GELU_C = 0.7978845608028654

class Ctx {
  constructor(
    readonly cfg: GlmConfig,
    readonly d: Dims,
    readonly w: WeightMap,
    readonly opts: ForwardOptions,
    /** per batch row: a hash of its tokens (keys the LoRA dropout masks) */
    readonly rowKeys: ReadonlyArray<number> = [],
    /** LoRA dropout on or off; undefined: on exactly while a gradient is recorded */
    readonly dropoutOn?: boolean
  ) {}

  get(name: string): tf.Tensor {
    const t = this.w[name]
    if (t === undefined) throw new Error(`weight "${name}" is missing from the weight map`)
    return t
  }

  maybe(name: string): tf.Tensor | undefined {
    return this.w[name]
  }

  /** `table[ids]` for an embedding held whole or as row shards */
  embedding(name: string, ids: ReadonlyArray<number>): tf.Tensor2D {
    const shards = this.w[name] === undefined ? rowShardsIn(this.w, name) : undefined
    return shards !== undefined ? embeddingLookupRows(shards, ids) : embeddingLookup(this.get(name) as tf.Tensor2D, ids)
  }

  private isTrainable(name: string): boolean {
    return this.opts.trainable === undefined || this.opts.trainable.has(name)
  }

  linear(x: tf.Tensor, name: string, biasName?: string): tf.Tensor {
    const bias = biasName !== undefined ? this.maybe(biasName) : undefined
    const shards = this.w[name] === undefined ? rowShardsIn(this.w, name) : undefined
    let y: tf.Tensor
    if (shards !== undefined) {
      // a matrix above the backend's binding limit, held as row shards (see rowShards in @zaoji/tensor)
      const trainable = (k: number) => this.isTrainable(name) || this.isTrainable(rowShardKey(name, k))
      y = linearRows(x, shards, {
        weightGrad: trainable,
        weightT: (k) => (trainable(k) ? undefined : this.opts.prepared?.get(rowShardKey(name, k))),
        ...(bias !== undefined ? { bias } : {})
      })
    } else {
      const trainable = this.isTrainable(name)
      y = linear(x, this.get(name) as tf.Tensor2D, {
        weightT: trainable ? undefined : this.opts.prepared?.get(name),
        weightGrad: trainable,
        bias
      })
    }
    const lora = this.cfg.zaoji_lora === undefined ? undefined : this.loraDelta(x, name)
    return lora === undefined ? y : tf.add(y, lora)
  }

  /** s · B (A dropout(x)) when the weight map holds unmerged LoRA tensors for this linear */
  private loraDelta(x: tf.Tensor, name: string): tf.Tensor | undefined {
    const n = loraNames(name)
    if (this.w[n.a] === undefined) return undefined
    const s = this.cfg.zaoji_lora!
    // dropout only while a gradient is recorded (training); evaluation and inference see all of x
    const xin = s.lora_dropout > 0 && (this.dropoutOn ?? isRecording()) ? this.dropout(x, name, s.lora_dropout) : x
    return tf.mul(this.linear(this.linear(xin, n.a), n.b), loraScaling(s))
  }

  /**
   * Inverted dropout with masks drawn from a seed per (row content, linear): every worker shard and
   * a resumed run draw the same masks for the same example (an example sees the same mask in each
   * epoch). Rows are right-padded, so a row's real positions get the same mask at any padded length.
   */
  private dropout(x: tf.Tensor, name: string, p: number): tf.Tensor {
    const [rows, width] = x.shape as [number, number]
    const b = this.rowKeys.length
    if (b === 0 || rows % b !== 0) throw new Error(`LoRA dropout: ${rows} rows do not split into ${b} batch rows`)
    const seq = rows / b
    const salt = hashString(name)
    const u = tf.concat(this.rowKeys.map((k) => tf.randomUniform([seq, width], 0, 1, "float32", (k ^ salt) >>> 0)), 0)
    return tf.mul(x, tf.mul(tf.cast(tf.greaterEqual(u, p), "float32"), 1 / (1 - p)))
  }
}

const hashString = (s: string): number => {
  let h = 2166136261
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619)
  return h >>> 0
}

/** A row's tokens without its right padding, hashed. */
const rowKey = (row: ReadonlyArray<number>, pad: number): number => {
  let end = row.length
  while (end > 0 && row[end - 1] === pad) end--
  let h = 2166136261
  for (let i = 0; i < end; i++) h = Math.imul(h ^ row[i]!, 16777619)
  return h >>> 0
}

// norms take 2-D states; the per-channel weight and bias go through the row ops, whose
// gradients avoid WASM's slow sums over axis 0
const layerNorm = (x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor2D => {
  const mean = tf.mean(x, -1, true)
  const xc = tf.sub(x, mean)
  const variance = tf.mean(tf.square(xc), -1, true)
  return addRow(mulRow(tf.mul(xc, tf.rsqrt(tf.add(variance, eps))) as tf.Tensor2D, w), b)
}

const rmsNorm = (x: tf.Tensor2D, w: tf.Tensor, eps: number): tf.Tensor2D =>
  mulRow(tf.mul(x, tf.rsqrt(tf.add(tf.mean(tf.square(x), -1, true), eps))) as tf.Tensor2D, w)

/**
 * tanh-GeLU `0.5x(1 + tanh(u))`, written as `x·sigmoid(2u)` (the same function): WASM's tanh kernel
 * is an order of magnitude slower than its sigmoid.
 */
const geluTanh = (x: tf.Tensor): tf.Tensor =>
  tf.mul(x, tf.sigmoid(tf.mul(tf.mul(x, 2 * GELU_C), tf.add(1, tf.mul(tf.square(x), 0.044715)))))

interface LayerIO {
  readonly b: number
  readonly s: number
  readonly cos: tf.Tensor
  readonly sin: tf.Tensor
  readonly r: tf.Tensor2D
  readonly rT: tf.Tensor2D
  /** undefined when every key is visible to every query (no masking ops needed) */
  readonly mask: ReturnType<typeof buildMask> | undefined
  readonly past: (layer: number) => { k: tf.Tensor4D; v: tf.Tensor4D } | undefined
}

/** Append new keys/values [b, s, kvHeads, hd] to a layer's past. */
const extendKv = (
  past: { k: tf.Tensor4D; v: tf.Tensor4D } | undefined,
  k: tf.Tensor4D,
  v: tf.Tensor4D
): { k: tf.Tensor4D; v: tf.Tensor4D } => {
  const kt = tf.transpose(k, [0, 2, 1, 3]) as tf.Tensor4D
  const vt = tf.transpose(v, [0, 2, 1, 3]) as tf.Tensor4D
  if (past === undefined) return { k: kt, v: vt }
  return { k: tf.concat([past.k, kt], 2) as tf.Tensor4D, v: tf.concat([past.v, vt], 2) as tf.Tensor4D }
}

// Hidden states stay 2-D `[b·s, hidden]` through the layers: every linear is then a plain 2-D
// matmul with no reshapes around it; only attention takes 4-D views.
const glm1Layer = (c: Ctx, x: tf.Tensor2D, i: number, io: LayerIO): { out: tf.Tensor2D; kv: { k: tf.Tensor4D; v: tf.Tensor4D } } => {
  const { d } = c
  const p = glm1Names.layer(i)
  const { b, s } = io
  const h = layerNorm(x, c.get(`${p}input_layernorm.weight`), c.get(`${p}input_layernorm.bias`), d.eps)
  const qkv = tf.reshape(
    c.linear(h, `${p}attention.query_key_value.weight`, `${p}attention.query_key_value.bias`),
    [b, s, d.heads, 3 * d.headDim]
  )
  // per-head interleaved fused QKV: [q_h | k_h | v_h] within each head's 3·hd block
  // q and k rotate together: [q_h | k_h] is contiguous within each head's block
  const qk = tf.slice(qkv, [0, 0, 0, 0], [b, s, d.heads, 2 * d.headDim])
  const qkr = tf.reshape(applyRotary(tf.reshape(qk, [b, s, 2 * d.heads, d.headDim]) as tf.Tensor4D, io.cos, io.sin, io.r, io.rT), [b, s, d.heads, 2 * d.headDim])
  const q = tf.slice(qkr, [0, 0, 0, 0], [b, s, d.heads, d.headDim]) as tf.Tensor4D
  const k = tf.slice(qkr, [0, 0, 0, d.headDim], [b, s, d.heads, d.headDim]) as tf.Tensor4D
  const v = tf.slice(qkv, [0, 0, 0, 2 * d.headDim], [b, s, d.heads, d.headDim]) as tf.Tensor4D
  const kv = extendKv(io.past(i), k, v)
  const a = c.linear(attend(q, kv.k, kv.v, io.mask), `${p}attention.dense.weight`, `${p}attention.dense.bias`)
  const x1 = tf.add(tf.mul(h, GLM1_ALPHA), a) as tf.Tensor2D
  const h2 = layerNorm(x1, c.get(`${p}post_attention_layernorm.weight`), c.get(`${p}post_attention_layernorm.bias`), d.eps)
  const m = c.linear(
    geluTanh(c.linear(h2, `${p}mlp.dense_h_to_4h.weight`, `${p}mlp.dense_h_to_4h.bias`)),
    `${p}mlp.dense_4h_to_h.weight`,
    `${p}mlp.dense_4h_to_h.bias`
  )
  return { out: tf.add(tf.mul(h2, GLM1_ALPHA), m) as tf.Tensor2D, kv }
}

const glm2Layer = (c: Ctx, x: tf.Tensor2D, i: number, io: LayerIO): { out: tf.Tensor2D; kv: { k: tf.Tensor4D; v: tf.Tensor4D } } => {
  const { d } = c
  const p = glm2Names.layer(i)
  const { b, s } = io
  const h = rmsNorm(x, c.get(`${p}input_layernorm.weight`), d.eps)
  const y = c.linear(h, `${p}self_attention.query_key_value.weight`, `${p}self_attention.query_key_value.bias`)
  // fused QKV: [all q heads | all k groups | all v groups]
  const qw = d.heads * d.headDim
  const kw = d.kvHeads * d.headDim
  // q heads and k groups are contiguous: rotate them together
  const qk = tf.reshape(tf.slice(y, [0, 0], [b * s, qw + kw]), [b, s, d.heads + d.kvHeads, d.headDim]) as tf.Tensor4D
  const qkr = applyRotary(qk, io.cos, io.sin, io.r, io.rT)
  const qr = tf.slice(qkr, [0, 0, 0, 0], [b, s, d.heads, d.headDim]) as tf.Tensor4D
  const k = tf.slice(qkr, [0, 0, d.heads, 0], [b, s, d.kvHeads, d.headDim]) as tf.Tensor4D
  const v = tf.reshape(tf.slice(y, [0, qw + kw], [b * s, kw]), [b, s, d.kvHeads, d.headDim]) as tf.Tensor4D
  const kv = extendKv(io.past(i), k, v)
  const a = c.linear(attend(qr, kv.k, kv.v, io.mask), `${p}self_attention.dense.weight`, `${p}self_attention.dense.bias`)
  const x1 = tf.add(x, a) as tf.Tensor2D
  const h2 = rmsNorm(x1, c.get(`${p}post_attention_layernorm.weight`), d.eps)
  const up = c.linear(h2, `${p}mlp.dense_h_to_4h.weight`, `${p}mlp.dense_h_to_4h.bias`)
  const gate = tf.slice(up, [0, 0], [b * s, d.ffn])
  const lin = tf.slice(up, [0, d.ffn], [b * s, d.ffn])
  const m = c.linear(tf.mul(tf.mul(gate, tf.sigmoid(gate)), lin), `${p}mlp.dense_4h_to_h.weight`, `${p}mlp.dense_4h_to_h.bias`)
  return { out: tf.add(x1, m) as tf.Tensor2D, kv }
}

const rowLayouts = (cfg: GlmConfig, batch: ForwardBatch): RowLayout[] => {
  const ids = batch.inputIds
  if (batch.cache !== undefined) {
    if (batch.cache.keyValid.length !== ids.length) {
      throw new InputLayoutError(`batch has ${ids.length} rows but the cache holds ${batch.cache.keyValid.length}`)
    }
    return ids.map((row, r) => cachedRow(cfg, batch.cache!, r, row.length))
  }
  return ids.map((row, r) => {
    const pad = batch.padLeft?.[r] ?? countLeftPad(row, cfg.pad_token_id)
    return cfg.zaoji_arch === "glm1" ? glm1Row(cfg, row, pad, r) : glm2Row(row, pad)
  })
}

/** The GLM forward. See `ForwardBatch` / `ForwardOptions` in types.ts. */
export const forward = (
  cfg: GlmConfig,
  weights: WeightMap,
  batch: ForwardBatch,
  options: ForwardOptions = {}
): ForwardOutput =>
  tf.tidy(() => forwardUntidied(cfg, weights, batch, options) as unknown as tf.TensorContainer) as unknown as ForwardOutput

const forwardUntidied = (cfg: GlmConfig, weights: WeightMap, batch: ForwardBatch, options: ForwardOptions): ForwardOutput => {
  const d = dimsOf(cfg)
  const ids = batch.inputIds
  const { b, s } = batchShape(ids)
  const c = new Ctx(cfg, d, weights, options, loraRowKeys(cfg, ids))
  const layouts = rowLayouts(cfg, batch)
  const cache = batch.cache
  const prefixKv = cache === undefined ? batch.prefixKv : undefined
  const prefixLen = cache !== undefined ? cache.prefixLength : prefixKv !== undefined ? ((prefixKv.rank === 2 ? prefixKv.shape[0] : prefixKv.shape[1]) as number) : 0
  const pastLen = cache !== undefined ? cache.keyValid[0].length : 0
  const io = layerIo(cfg, d, batch, options, layouts, prefixLen, pastLen, (layer) =>
    cache !== undefined
      ? (cache.layers[layer] as { k: tf.Tensor4D; v: tf.Tensor4D })
      : prefixKv !== undefined
        ? prefixForLayer(cfg, prefixKv, layer, b)
        : undefined
  )

  const names = cfg.zaoji_arch === "glm1" ? glm1Names : glm2Names
  let x = c.embedding(names.embedding, ids.flat())
  const to3d = (t: tf.Tensor2D) => tf.reshape(t, [b, -1, d.hidden]) as tf.Tensor3D
  const hidden: tf.Tensor3D[] = []
  if (options.hidden) hidden.push(to3d(x))
  const layerFn = cfg.zaoji_arch === "glm1" ? glm1Layer : glm2Layer
  const newCache: Array<{ k: tf.Tensor4D; v: tf.Tensor4D }> = []
  for (let i = 0; i < d.layers; i++) {
    const r = layerFn(c, x, i, io)
    x = r.out
    if (options.cache) newCache.push(r.kv)
    if (options.hidden) hidden.push(to3d(x))
  }
  const which = options.logits ?? "all"
  // the last position of each row: rows r·s + s − 1 of the 2-D states
  const lastRows = (t: tf.Tensor2D) => (s === 1 ? t : (tf.reshape(tf.slice(tf.reshape(t, [b, s, d.hidden]), [0, s - 1, 0], [b, 1, d.hidden]), [b, d.hidden]) as tf.Tensor2D))
  const normIn = which === "last" && !options.hidden ? lastRows(x) : x
  const normed = finalNorm(c, normIn)
  if (options.hidden) hidden.push(to3d(normed))
  let logits: tf.Tensor3D | undefined
  if (which !== "none") {
    const headIn = which === "last" && options.hidden ? lastRows(normed) : normed
    const headName = cfg.zaoji_arch === "glm2" && cfg.tie_word_embeddings ? glm2Names.embedding : names.head
    logits = tf.reshape(c.linear(headIn, headName), [b, which === "last" ? 1 : s, d.vocab]) as tf.Tensor3D
  }
  const out: { logits?: tf.Tensor3D; hidden?: tf.Tensor3D[]; cache?: KvCache } = {}
  if (logits !== undefined) out.logits = logits
  if (options.hidden) out.hidden = hidden
  if (options.cache) {
    out.cache = {
      layers: newCache,
      prefixLength: prefixLen,
      keyValid: layouts.map((l, r) => [...(cache?.keyValid[r] ?? []), ...l.keyValid]),
      nextPosition: layouts.map((l) => l.nextPosition)
    }
  }
  return out
}

/** Input of `layerSteps`: a training batch (no cache), and the prefix length its layers will see. */
export interface LayerStepsBatch {
  readonly inputIds: ReadonlyArray<ReadonlyArray<number>>
  readonly padLeft?: ReadonlyArray<number>
  readonly positionIds?: ForwardBatch["positionIds"]
  /** P-Tuning v2 prefix length (every layer is then given its prefix slice) */
  readonly prefixLength?: number
}

/**
 * The forward of one batch as separate steps — embedding, each layer, final norm — for a caller
 * that drives the layers itself: activation recomputation runs the layers without a gradient tape,
 * keeps only each layer's input, and differentiates one layer at a time. The steps are the very
 * functions `forward` runs, so their outputs are `forward`'s. The rotary tables and the attention
 * mask are built once here and freed by `dispose`; each step returns new tensors the caller owns
 * (wrap a step in `tidy` or a gradient call: its intermediates are not disposed here).
 * LoRA dropout is on unless `dropout: false` (evaluation): the steps run outside a gradient tape
 * too, and the masks are seeded, so a recomputed layer draws the masks its first pass drew.
 */
export interface LayerSteps {
  readonly layers: number
  /** x0 `[b·s, hidden]`: the embeddings of the batch's tokens */
  readonly embed: (weights: WeightMap) => tf.Tensor2D
  /**
   * Layer `i` of x `[b·s, hidden]`. `prefix`: this layer's part of the P-Tuning v2 prefix output,
   * `[pre, 2·kvHeads·headDim]` (or `[b, pre, …]`, see `prefixLayerSlice`).
   */
  readonly layer: (i: number, x: tf.Tensor2D, weights: WeightMap, prefix?: tf.Tensor) => tf.Tensor2D
  /** the final norm of the last layer's output */
  readonly finalNorm: (x: tf.Tensor2D, weights: WeightMap) => tf.Tensor2D
  /** frees the rotary tables and the mask */
  readonly dispose: () => void
}

export const layerSteps = (
  cfg: GlmConfig,
  batch: LayerStepsBatch,
  options: Pick<ForwardOptions, "trainable" | "prepared"> & { readonly dropout?: boolean } = {}
): LayerSteps => {
  const d = dimsOf(cfg)
  const ids = batch.inputIds
  const { b } = batchShape(ids)
  const rowKeys = loraRowKeys(cfg, ids)
  const ctx = (w: WeightMap) => new Ctx(cfg, d, w, options, rowKeys, options.dropout ?? true)
  const prefixLen = batch.prefixLength ?? 0
  const layouts = rowLayouts(cfg, { inputIds: ids, ...(batch.padLeft ? { padLeft: batch.padLeft } : {}) })
  let prefixOfLayer: tf.Tensor | undefined
  // every tensor layerIo makes is one it returns (no intermediates to tidy)
  const io = layerIo(cfg, d, batch, options, layouts, prefixLen, 0, () => (prefixOfLayer === undefined ? undefined : prefixFromLayerSlice(cfg, prefixOfLayer, b)))
  const owned = [io.cos, io.sin, io.r, io.rT, ...(io.mask ? [io.mask.allowed, io.mask.fill] : [])].filter(
    (t) => t !== options.prepared?.get(ROTATION_KEY) && t !== options.prepared?.get(ROTATION_T_KEY)
  )
  const layerFn = cfg.zaoji_arch === "glm1" ? glm1Layer : glm2Layer
  const names = cfg.zaoji_arch === "glm1" ? glm1Names : glm2Names
  return {
    layers: d.layers,
    embed: (w) => ctx(w).embedding(names.embedding, ids.flat()),
    layer: (i, x, w, prefix) => {
      if ((prefix === undefined) !== (prefixLen === 0)) {
        throw new Error(prefixLen === 0 ? `layer ${i}: a prefix was given but the steps were built without one` : `layer ${i}: the steps were built for a prefix of ${prefixLen} but none was given`)
      }
      prefixOfLayer = prefix
      try {
        return layerFn(ctx(w), x, i, io).out
      } finally {
        prefixOfLayer = undefined
      }
    },
    finalNorm: (x, w) => finalNorm(ctx(w), x),
    dispose: () => tf.dispose(owned)
  }
}

const everyKeyVisible = (b: number, s: number, past: number, allowed: (row: number, i: number, j: number) => boolean): boolean => {
  for (let r = 0; r < b; r++) for (let i = 0; i < s; i++) for (let j = 0; j < past + s; j++) if (!allowed(r, i, j)) return false
  return true
}

/** Dispose every tensor of a cache. */
export const disposeCache = (cache: KvCache | undefined): void => {
  if (cache === undefined) return
  for (const l of cache.layers) {
    l.k.dispose()
    l.v.dispose()
  }
}

// internal

const batchShape = (ids: ReadonlyArray<ReadonlyArray<number>>): { b: number; s: number } => {
  const b = ids.length
  if (b === 0) throw new InputLayoutError("empty batch")
  const s: number = ids[0]!.length
  if (s === 0 || ids.some((r) => r.length !== s)) throw new InputLayoutError(`every row of a batch must have the same non-zero length (left-pad them); found lengths ${ids.map((r) => r.length).join(", ")}`)
  return { b, s }
}

/** the rows' dropout keys, when LoRA dropout is configured */
const loraRowKeys = (cfg: GlmConfig, ids: ReadonlyArray<ReadonlyArray<number>>): number[] =>
  cfg.zaoji_lora !== undefined && cfg.zaoji_lora.lora_dropout > 0 ? ids.map((row) => rowKey(row, cfg.pad_token_id)) : []

const finalNorm = (c: Ctx, x: tf.Tensor2D): tf.Tensor2D =>
  (c.cfg.zaoji_arch === "glm1"
    ? layerNorm(x, c.get(`${glm1Names.finalNorm}weight`), c.get(`${glm1Names.finalNorm}bias`), c.d.eps)
    : rmsNorm(x, c.get(`${glm2Names.finalNorm}weight`), c.d.eps)) as tf.Tensor2D

/** rotary tables and the attention mask of a batch: what every layer shares */
const layerIo = (
  cfg: GlmConfig,
  d: Dims,
  batch: Pick<ForwardBatch, "inputIds" | "positionIds">,
  options: ForwardOptions,
  layouts: ReadonlyArray<RowLayout>,
  prefixLen: number,
  pastLen: number,
  past: LayerIO["past"]
): LayerIO => {
  const ids = batch.inputIds
  const b = ids.length
  const s = ids[0]!.length
  const positions = batch.positionIds !== undefined
    ? cfg.zaoji_arch === "glm1"
      ? (batch.positionIds as number[][][]).map((row) => row[0]!.map((p, t) => [p, row[1]![t]!]))
      : (batch.positionIds as number[][]).map((row) => row.map((p) => [p]))
    : layouts.map((l) => l.positions)
  const rep = d.heads / d.kvHeads
  const { cos, sin } = rotaryTables(d, positions)
  const preparedR = options.prepared?.get(ROTATION_KEY)
  const r = preparedR ?? tf.tensor2d(rotationMatrix(d), [d.headDim, d.headDim])
  const allowedFn = (row: number, i: number, j: number) => layouts[row]!.allowed(i, j)
  return {
    b,
    s,
    cos: tf.tensor4d(cos, [b, s, 1, d.headDim]),
    sin: tf.tensor4d(sin, [b, s, 1, d.headDim]),
    r,
    rT: options.prepared?.get(ROTATION_T_KEY) ?? tf.transpose(r),
    mask: everyKeyVisible(b, s, pastLen, allowedFn) ? undefined : buildMask(b, s, prefixLen, pastLen, rep, allowedFn),
    past
  }
}
