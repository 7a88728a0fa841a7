/**
 * Named configs: the real ChatGLM shapes (for GPU machines and loading real checkpoints) and
 * small ones for CPU work. Small presets place the special ids where the test fixtures do
 * (vocab − 12 …) unless a tokenizer's ids are given.
 */
import { decodeGlmConfig } from "./config.js"
import type { GlmArch, GlmConfig } from "./types.js"

export type PresetName = "chatglm-6b" | "chatglm2-6b" | "chatglm3-6b" | "tiny" | "small" | "micro"
export const presetNames: ReadonlyArray<PresetName> = ["chatglm-6b", "chatglm2-6b", "chatglm3-6b", "tiny", "small", "micro"]

interface Shape {
  readonly vocab: number
  readonly hidden: number
  readonly heads: number
  readonly layers: number
  readonly ffn: number
  readonly seq: number
}

const smallShapes: Readonly<Record<"tiny" | "small" | "micro", { glm1: Shape; glm2: Shape }>> = {
  micro: {
    glm1: { vocab: 512, hidden: 32, heads: 2, layers: 2, ffn: 64, seq: 64 },
    glm2: { vocab: 512, hidden: 32, heads: 2, layers: 2, ffn: 48, seq: 64 }
  },
  tiny: {
    glm1: { vocab: 512, hidden: 64, heads: 4, layers: 3, ffn: 256, seq: 128 },
    glm2: { vocab: 512, hidden: 64, heads: 4, layers: 3, ffn: 160, seq: 128 }
  },
  small: {
    glm1: { vocab: 8000, hidden: 256, heads: 8, layers: 6, ffn: 1024, seq: 128 },
    glm2: { vocab: 8000, hidden: 256, heads: 8, layers: 6, ffn: 1024, seq: 128 }
  }
}

/** Special ids a tokenizer provides (same names as the tokenizer contract's `special`). */
export interface PresetSpecialIds {
  readonly vocabSize: number
  readonly special: {
    readonly mask: number
    readonly gmask: number
    readonly smask?: number | undefined
    readonly sop: number
    readonly eop: number
    readonly eos: number
    readonly pad: number
    readonly roles?: { readonly system: number; readonly user: number; readonly assistant: number; readonly observation: number } | undefined
  }
}

export interface PresetOptions {
  /** architecture of a small preset (default glm1, the paper's ChatGLM-6B); ignored for real shapes */
  readonly arch?: GlmArch
  /** take the vocabulary size and special ids from a tokenizer */
  readonly tokenizer?: PresetSpecialIds
  readonly pre_seq_len?: number | null
  readonly prefix_projection?: boolean
}

const glm1Config = (s: Shape, ids: Record<string, number>, o: PresetOptions): Record<string, unknown> => ({
  architectures: ["ChatGLMModel"],
  model_type: "chatglm",
  zaoji_arch: "glm1",
  vocab_size: s.vocab,
  hidden_size: s.hidden,
  num_attention_heads: s.heads,
  num_layers: s.layers,
  inner_hidden_size: s.ffn,
  max_sequence_length: s.seq,
  layernorm_epsilon: 1e-5,
  position_encoding_2d: true,
  ...ids,
  pre_seq_len: o.pre_seq_len ?? null,
  prefix_projection: o.prefix_projection ?? false,
  torch_dtype: "float32"
})

const glm2Config = (s: Shape, kvChannels: number, groups: number, ids: Record<string, number>, o: PresetOptions): Record<string, unknown> => ({
  architectures: ["ChatGLMModel"],
  model_type: "chatglm",
  zaoji_arch: "glm2",
  padded_vocab_size: s.vocab,
  hidden_size: s.hidden,
  num_attention_heads: s.heads,
  kv_channels: kvChannels,
  num_layers: s.layers,
  ffn_hidden_size: s.ffn,
  seq_length: s.seq,
  layernorm_epsilon: 1e-5,
  rmsnorm: true,
  post_layer_norm: true,
  apply_residual_connection_post_layernorm: false,
  add_bias_linear: false,
  add_qkv_bias: true,
  multi_query_attention: true,
  multi_query_group_num: groups,
  tie_word_embeddings: false,
  ...ids,
  pre_seq_len: o.pre_seq_len ?? null,
  prefix_projection: o.prefix_projection ?? false,
  torch_dtype: "float32"
})

const fromTokenizer = (arch: GlmArch, t: PresetSpecialIds): Record<string, number> => {
  const s = t.special
  if (arch === "glm1") {
    return { mask_token_id: s.mask, gmask_token_id: s.gmask, bos_token_id: s.sop, eos_token_id: s.eos, pad_token_id: s.pad }
  }
  return {
    eos_token_id: s.eos,
    pad_token_id: s.pad,
    mask_token_id: s.mask,
    gmask_token_id: s.gmask,
    ...(s.smask !== undefined ? { smask_token_id: s.smask } : {}),
    sop_token_id: s.sop,
    eop_token_id: s.eop,
    ...(s.roles !== undefined
      ? {
          system_token_id: s.roles.system,
          user_token_id: s.roles.user,
          assistant_token_id: s.roles.assistant,
          observation_token_id: s.roles.observation
        }
      : {})
  }
}

/** Fixture-style special ids at the top of a small vocabulary. */
const topIds = (arch: GlmArch, V: number): Record<string, number> =>
  arch === "glm1"
    ? { mask_token_id: V - 12, gmask_token_id: V - 11, bos_token_id: V - 8, eos_token_id: V - 7, pad_token_id: 3 }
    : {
        eos_token_id: 2,
        pad_token_id: 0,
        mask_token_id: V - 12,
        gmask_token_id: V - 11,
        smask_token_id: V - 10,
        sop_token_id: V - 9,
        eop_token_id: V - 8,
        system_token_id: V - 7,
        user_token_id: V - 6,
        assistant_token_id: V - 5,
        observation_token_id: V - 4
      }

/** Roundup used by the official glm2 code for the padded vocabulary. */
const padVocab = (n: number, multiple = 64) => Math.ceil(n / multiple) * multiple

export const presetConfig = (name: PresetName | string, options: PresetOptions = {}): GlmConfig => {
  switch (name) {
    case "chatglm-6b":
      return decodeGlmConfig(
        glm1Config(
          { vocab: 130528, hidden: 4096, heads: 32, layers: 28, ffn: 16384, seq: 2048 },
          { mask_token_id: 130000, gmask_token_id: 130001, bos_token_id: 130004, eos_token_id: 130005, pad_token_id: 3 },
          options
        ),
        `preset ${name}`
      )
    case "chatglm2-6b":
    case "chatglm3-6b": {
      const roles: Record<string, number> = name === "chatglm3-6b" ? { system_token_id: 64794, user_token_id: 64795, assistant_token_id: 64796, observation_token_id: 64797 } : {}
      return decodeGlmConfig(
        glm2Config(
          { vocab: 65024, hidden: 4096, heads: 32, layers: 28, ffn: 13696, seq: name === "chatglm2-6b" ? 32768 : 8192 },
          128,
          2,
          {
            eos_token_id: 2,
            pad_token_id: 0,
            mask_token_id: 64789,
            gmask_token_id: 64790,
            smask_token_id: 64791,
            sop_token_id: 64792,
            eop_token_id: 64793,
            ...roles
          },
          options
        ),
        `preset ${name}`
      )
    }
    case "tiny":
    case "small":
    case "micro": {
      const arch = options.arch ?? "glm1"
      const base = smallShapes[name][arch]
      const shape = options.tokenizer !== undefined
        ? { ...base, vocab: arch === "glm2" ? padVocab(options.tokenizer.vocabSize) : options.tokenizer.vocabSize }
        : base
      const ids = options.tokenizer !== undefined ? fromTokenizer(arch, options.tokenizer) : topIds(arch, shape.vocab)
      const raw = arch === "glm1" ? glm1Config(shape, ids, options) : glm2Config(shape, shape.hidden / shape.heads, 2, ids, options)
      return decodeGlmConfig(raw, `preset ${name}`)
    }
    default:
      throw new Error(`unknown model preset "${name}"; expected one of ${presetNames.join(", ")}`)
  }
}
