/**
 * P-Tuning v2 settings on a GLM config: `pre_seq_len` virtual tokens whose key/values the prefix
 * encoder produces for every layer (ChatGLM's `PrefixEncoder`). Without projection the encoder is
 * an embedding of width `2·layers·kv_heads·head_dim`; with projection it is
 * embedding → Linear → Tanh → Linear, of hidden width `prefix_hidden_size` (default: the model's
 * hidden size, as the official code hard-wires it).
 */
import { decodeGlmConfig, dimsOf, prefixNames } from "@zaoji/glm-runtime"

export interface PrefixSettings {
  readonly preSeqLen: number
  readonly prefixProjection: boolean
  /** hidden width of the projection MLP (default: hidden_size) */
  readonly prefixHiddenSize?: number
}

/** The base config.json with the prefix fields set (other fields untouched). */
export const withPrefix = (rawConfig: Record<string, unknown>, s: PrefixSettings): Record<string, unknown> => {
  const out: Record<string, unknown> = { ...rawConfig, pre_seq_len: s.preSeqLen, prefix_projection: s.prefixProjection }
  if (s.prefixProjection && s.prefixHiddenSize !== undefined) out.prefix_hidden_size = s.prefixHiddenSize
  else delete out.prefix_hidden_size
  return out
}

/** Names and shapes of the prefix-encoder tensors (official names) for a config with a prefix. */
export const prefixTensorShapes = (rawConfig: Record<string, unknown>): Record<string, number[]> => {
  const cfg = decodeGlmConfig(rawConfig)
  const d = dimsOf(cfg)
  if (d.preSeqLen <= 0) throw new Error("config has no pre_seq_len: no prefix encoder")
  if (!cfg.prefix_projection) return { [prefixNames.embedding]: [d.preSeqLen, d.kvSize] }
  const ph = typeof rawConfig.prefix_hidden_size === "number" ? rawConfig.prefix_hidden_size : d.hidden
  // glm1 embeds into hidden_size, glm2 into the kv width (as the official encoders do)
  const emb = d.arch === "glm1" ? d.hidden : d.kvSize
  return {
    [prefixNames.embedding]: [d.preSeqLen, emb],
    [prefixNames.trans0w]: [ph, emb],
    [prefixNames.trans0b]: [ph],
    [prefixNames.trans2w]: [d.kvSize, ph],
    [prefixNames.trans2b]: [d.kvSize]
  }
}

export const prefixTensorNames = (rawConfig: Record<string, unknown>): string[] => Object.keys(prefixTensorShapes(rawConfig))
