/** Official tensor names and the shape each must have for a config. */
import { dimsOf } from "./config.js"
import type { GlmConfig, WeightShapes } from "./types.js"

export const glm1Names = {
  embedding: "transformer.word_embeddings.weight",
  layer: (i: number) => `transformer.layers.${i}.`,
  finalNorm: "transformer.final_layernorm.",
  head: "lm_head.weight"
} as const

export const glm2Names = {
  embedding: "transformer.embedding.word_embeddings.weight",
  layer: (i: number) => `transformer.encoder.layers.${i}.`,
  finalNorm: "transformer.encoder.final_layernorm.",
  head: "transformer.output_layer.weight"
} as const

export const prefixNames = {
  embedding: "transformer.prefix_encoder.embedding.weight",
  trans0w: "transformer.prefix_encoder.trans.0.weight",
  trans0b: "transformer.prefix_encoder.trans.0.bias",
  trans2w: "transformer.prefix_encoder.trans.2.weight",
  trans2b: "transformer.prefix_encoder.trans.2.bias"
} as const

export const isPrefixTensor = (name: string): boolean => name.startsWith("transformer.prefix_encoder.")

/** Buffers real checkpoints carry that are recomputed here (safe to ignore when loading). */
export const isIgnorableTensor = (name: string): boolean => name.endsWith("rotary_emb.inv_freq") || name.endsWith("rotary_pos_emb.inv_freq")

/** Expected shapes of the base model's tensors. */
export const baseWeightShapes = (cfg: GlmConfig): WeightShapes => {
  const d = dimsOf(cfg)
  const out: Record<string, number[]> = {}
  if (cfg.zaoji_arch === "glm1") {
    const H = d.hidden
    out[glm1Names.embedding] = [d.vocab, H]
    for (let i = 0; i < d.layers; i++) {
      const p = glm1Names.layer(i)
      out[`${p}input_layernorm.weight`] = [H]
      out[`${p}input_layernorm.bias`] = [H]
      out[`${p}attention.query_key_value.weight`] = [3 * H, H]
      out[`${p}attention.query_key_value.bias`] = [3 * H]
      out[`${p}attention.dense.weight`] = [H, H]
      out[`${p}attention.dense.bias`] = [H]
      out[`${p}post_attention_layernorm.weight`] = [H]
      out[`${p}post_attention_layernorm.bias`] = [H]
      out[`${p}mlp.dense_h_to_4h.weight`] = [d.ffn, H]
      out[`${p}mlp.dense_h_to_4h.bias`] = [d.ffn]
      out[`${p}mlp.dense_4h_to_h.weight`] = [H, d.ffn]
      out[`${p}mlp.dense_4h_to_h.bias`] = [H]
    }
    out[`${glm1Names.finalNorm}weight`] = [H]
    out[`${glm1Names.finalNorm}bias`] = [H]
    out[glm1Names.head] = [d.vocab, H]
    return out
  }
  const H = d.hidden
  const qkv = d.heads * d.headDim + 2 * d.kvHeads * d.headDim
  out[glm2Names.embedding] = [d.vocab, H]
  for (let i = 0; i < d.layers; i++) {
    const p = glm2Names.layer(i)
    out[`${p}input_layernorm.weight`] = [H]
    out[`${p}self_attention.query_key_value.weight`] = [qkv, H]
    if (cfg.add_bias_linear || cfg.add_qkv_bias) out[`${p}self_attention.query_key_value.bias`] = [qkv]
    out[`${p}self_attention.dense.weight`] = [H, d.heads * d.headDim]
    if (cfg.add_bias_linear) out[`${p}self_attention.dense.bias`] = [H]
    out[`${p}post_attention_layernorm.weight`] = [H]
    out[`${p}mlp.dense_h_to_4h.weight`] = [2 * d.ffn, H]
    if (cfg.add_bias_linear) out[`${p}mlp.dense_h_to_4h.bias`] = [2 * d.ffn]
    out[`${p}mlp.dense_4h_to_h.weight`] = [H, d.ffn]
    if (cfg.add_bias_linear) out[`${p}mlp.dense_4h_to_h.bias`] = [H]
  }
  out[`${glm2Names.finalNorm}weight`] = [H]
  if (!cfg.tie_word_embeddings) out[glm2Names.head] = [d.vocab, H]
  return out
}

/** Expected shapes of the P-Tuning v2 prefix encoder (empty without `pre_seq_len`). */
export const prefixWeightShapes = (cfg: GlmConfig): WeightShapes => {
  const d = dimsOf(cfg)
  if (d.preSeqLen === 0) return {}
  if (!cfg.prefix_projection) return { [prefixNames.embedding]: [d.preSeqLen, d.kvSize] }
  // glm1 embeds into hidden; glm2 embeds into kvSize (as the official code does)
  const emb = d.arch === "glm1" ? d.hidden : d.kvSize
  return {
    [prefixNames.embedding]: [d.preSeqLen, emb],
    [prefixNames.trans0w]: [d.hidden, emb],
    [prefixNames.trans0b]: [d.hidden],
    [prefixNames.trans2w]: [d.kvSize, d.hidden],
    [prefixNames.trans2b]: [d.kvSize]
  }
}

/** Names of the linear ([out, in]) weights that a forward multiplies by (candidates for pre-transposing). */
export const linearWeightNames = (cfg: GlmConfig): string[] =>
  Object.entries(baseWeightShapes(cfg))
    .filter(([n, s]) => s.length === 2 && !n.includes("word_embeddings"))
    .map(([n]) => n)
