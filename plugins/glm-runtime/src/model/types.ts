/**
 * The model contract of the GLM runtime: configs (official Hugging Face field names), the weight map
 * (official tensor names), the functional forward, the KV cache, generation and scoring options.
 *
 * Training code differentiates `forward` with `tf.grads`/`tf.variableGrads` with respect to any
 * subset of the weight map and with respect to `prefixKv` (P-Tuning v2 needs d loss / d prefix).
 */
import type * as tf from "@tensorflow/tfjs"
import { Schema } from "effect"
import { PosInt } from "@zaoji/core"

export type GlmArch = "glm1" | "glm2"

const Int = Schema.Int
const NullableInt = Schema.optionalWith(Schema.NullOr(Schema.Int), { default: () => null })

/**
 * Unmerged LoRA adapters of the layer linears (see lora.ts): PEFT's `LoraConfig` fields. Present
 * only while an adapter trains; never written into a model folder's config.json.
 */
export const LoraSettingsSchema = Schema.Struct({
  r: PosInt,
  lora_alpha: Schema.Number.pipe(Schema.positive()),
  lora_dropout: Schema.optionalWith(Schema.Number.pipe(Schema.greaterThanOrEqualTo(0), Schema.lessThan(1)), { default: () => 0 }),
  /** module names (trailing parts of the module path) or one regular expression over the whole path */
  target_modules: Schema.Union(Schema.Array(Schema.String), Schema.String),
  /** layer indices; null = every layer */
  layers_to_transform: Schema.optionalWith(Schema.NullOr(Schema.Union(Schema.Int, Schema.Array(Schema.Int))), { default: () => null }),
  use_rslora: Schema.optionalWith(Schema.Boolean, { default: () => false })
})
export type LoraSettings = typeof LoraSettingsSchema.Type

/** ChatGLM-6B (`glm1`): official `config.json` fields we use (others are ignored). */
export const Glm1ConfigSchema = Schema.Struct({
  zaoji_arch: Schema.Literal("glm1"),
  vocab_size: PosInt,
  hidden_size: PosInt,
  num_attention_heads: PosInt,
  num_layers: PosInt,
  inner_hidden_size: PosInt,
  max_sequence_length: PosInt,
  layernorm_epsilon: Schema.optionalWith(Schema.Number, { default: () => 1e-5 }),
  position_encoding_2d: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  mask_token_id: Int,
  gmask_token_id: Int,
  bos_token_id: Int,
  eos_token_id: Int,
  pad_token_id: Int,
  pre_seq_len: NullableInt,
  prefix_projection: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  zaoji_lora: Schema.optional(LoraSettingsSchema)
})
export type Glm1Config = typeof Glm1ConfigSchema.Type

/** ChatGLM2/3-6B (`glm2`): official fields plus the tokenizer's special ids (optional extras). */
export const Glm2ConfigSchema = Schema.Struct({
  zaoji_arch: Schema.Literal("glm2"),
  padded_vocab_size: PosInt,
  hidden_size: PosInt,
  num_attention_heads: PosInt,
  kv_channels: PosInt,
  num_layers: PosInt,
  ffn_hidden_size: PosInt,
  seq_length: PosInt,
  layernorm_epsilon: Schema.optionalWith(Schema.Number, { default: () => 1e-5 }),
  rmsnorm: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  post_layer_norm: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  apply_residual_connection_post_layernorm: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  add_bias_linear: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  add_qkv_bias: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  multi_query_attention: Schema.optionalWith(Schema.Boolean, { default: () => true }),
  multi_query_group_num: Schema.optionalWith(PosInt, { default: () => 2 }),
  tie_word_embeddings: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  eos_token_id: Int,
  pad_token_id: Int,
  pre_seq_len: NullableInt,
  prefix_projection: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  zaoji_lora: Schema.optional(LoraSettingsSchema),
  // special ids from the official tokenizer (not official config fields)
  mask_token_id: Schema.optional(Int),
  gmask_token_id: Schema.optional(Int),
  smask_token_id: Schema.optional(Int),
  sop_token_id: Schema.optional(Int),
  eop_token_id: Schema.optional(Int),
  system_token_id: Schema.optional(Int),
  user_token_id: Schema.optional(Int),
  assistant_token_id: Schema.optional(Int),
  observation_token_id: Schema.optional(Int)
})
export type Glm2Config = typeof Glm2ConfigSchema.Type

export type GlmConfig = Glm1Config | Glm2Config

/** Weights by official tensor name (e.g. `transformer.layers.0.attention.query_key_value.weight`). */
export type WeightMap = Readonly<Record<string, tf.Tensor>>

/** Expected shape of every tensor for a config (prefix-encoder tensors included when pre_seq_len is set). */
export type WeightShapes = Readonly<Record<string, ReadonlyArray<number>>>

/**
 * Per-layer attention cache. Keys/values are stored per kv head (glm2: per kv *group*), laid out
 * `[batch, kvHeads, time, headDim]`; time starts with the prefix (if any), then real tokens.
 * The cache is immutable: a forward returns a new one; dispose the old with `disposeCache`.
 */
export interface KvCache {
  readonly layers: ReadonlyArray<{ readonly k: tf.Tensor4D; readonly v: tf.Tensor4D }>
  /** number of prefix (P-Tuning v2) keys at the start of each layer's time axis */
  readonly prefixLength: number
  /** per row, per cached non-prefix key: 1 = real token, 0 = left pad */
  readonly keyValid: ReadonlyArray<ReadonlyArray<number>>
  /** per row: the next token's position ids (glm1: [position, block]; glm2: [position]) */
  readonly nextPosition: ReadonlyArray<ReadonlyArray<number>>
}

/** Input of the functional forward. Token ids are plain arrays (masks and positions are built from them). */
export interface ForwardBatch {
  /** [batch][seq]; rows of a batch without cache are left-padded with the config's pad id */
  readonly inputIds: ReadonlyArray<ReadonlyArray<number>>
  /** per row: number of left pads (default: count of leading pad ids when there is no cache, else 0) */
  readonly padLeft?: ReadonlyArray<number>
  /** explicit position ids (glm1: [batch][2][seq]; glm2: [batch][seq]); default derived as the official code does */
  readonly positionIds?: ReadonlyArray<ReadonlyArray<ReadonlyArray<number>>> | ReadonlyArray<ReadonlyArray<number>>
  /**
   * P-Tuning v2 prefix key/values, `[pre, kvSize]` (shared by every row) or `[batch, pre, kvSize]`,
   * kvSize = 2·layers·kvHeads·headDim with last-axis order (layer, k|v, head, channel). Differentiable.
   * Ignored when `cache` is given (the cache already starts with the prefix).
   */
  readonly prefixKv?: tf.Tensor
  /** continue from this cache (incremental decoding); new tokens see every valid cached key */
  readonly cache?: KvCache
}

export interface ForwardOptions {
  /** which logits to compute: every position, only the last, or none (hidden states only) */
  readonly logits?: "all" | "last" | "none"
  /** also return the embeddings, each layer's output and the final-norm output */
  readonly hidden?: boolean
  /** return the new KV cache (inference); tensors are owned by the caller */
  readonly cache?: boolean
  /**
   * names of weights a caller differentiates; other linears skip their weight gradient (faster).
   * Undefined = every weight may be differentiated.
   */
  readonly trainable?: ReadonlySet<string>
  /** pre-transposed linear weights ([in, out]) by official name, for frozen weights (see `prepareLinears`) */
  readonly prepared?: PreparedLinears
}

/** Linear weights transposed once to `[in, out]` (WASM runs 2-D matmuls without transpose flags fast). */
export type PreparedLinears = ReadonlyMap<string, tf.Tensor2D>

export interface ForwardOutput {
  /** [batch, seq | 1, vocab] (absent with logits: "none") */
  readonly logits?: tf.Tensor3D
  /** [batch, seq, hidden] × (layers + 2) */
  readonly hidden?: ReadonlyArray<tf.Tensor3D>
  readonly cache?: KvCache
}

export type ForwardFn = (
  config: GlmConfig,
  weights: WeightMap,
  batch: ForwardBatch,
  options?: ForwardOptions
) => ForwardOutput

/** Decoding options. `temperature` 0 (or `doSample: false`) is greedy. */
export interface GenerateOptions {
  readonly maxNewTokens: number
  readonly doSample?: boolean
  readonly temperature?: number
  readonly topK?: number
  readonly topP?: number
  /** > 1 discourages repeats (CTRL/HF convention: divide positive logits, multiply negative ones) */
  readonly repetitionPenalty?: number
  /** generation of a row stops after emitting one of these (default: the config's eos/eop ids) */
  readonly stopIds?: ReadonlyArray<number>
  /** seed of the deterministic sampling RNG */
  readonly seed?: number
  /** called for each step with the new token of each still-running row */
  readonly onToken?: (event: TokenEvent) => void
  readonly signal?: AbortSignal
}

export interface TokenEvent {
  readonly row: number
  readonly token: number
  readonly step: number
}

export interface GenerationResult {
  /** generated ids per row (the stop token included when one ended the row) */
  readonly tokens: ReadonlyArray<ReadonlyArray<number>>
  readonly finishReason: ReadonlyArray<"stop" | "length">
}

/** One log-likelihood query: log P(continuation | context). */
export interface ScoreItem {
  readonly context: ReadonlyArray<number>
  readonly continuation: ReadonlyArray<number>
}

/** Sum of natural-log probabilities of the continuation tokens and their count. */
export interface ScoreResult {
  readonly sum: number
  readonly count: number
}

/**
 * A loaded model ready for inference: base weights, the prefix (when the config has `pre_seq_len`
 * and prefix-encoder weights are present) evaluated once, and frozen linears pre-transposed.
 */
export interface GlmModel {
  readonly config: GlmConfig
  readonly weights: WeightMap
  /** P-Tuning v2 prefix key/values `[pre, kvSize]`, computed from the prefix encoder */
  readonly prefixKv?: tf.Tensor2D
  readonly prepared: PreparedLinears
  /** frees every tensor the model owns (weights included) */
  readonly dispose: () => void
}
