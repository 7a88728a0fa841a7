/** Config decoding (official `config.json`), architecture inference, and the derived dimensions. */
import { Either, ParseResult, Schema } from "effect"
import { Glm1ConfigSchema, Glm2ConfigSchema, type GlmArch, type GlmConfig } from "./types.js"

export class ConfigError extends Error {
  constructor(readonly file: string, readonly detail: string) {
    super(`${file}: ${detail}`)
    this.name = "ConfigError"
  }
}

/**
 * Which architecture a config describes: `zaoji_arch` when present, else recognised by the fields
 * only one family has (ChatGLM2/3 configs have `padded_vocab_size`/`multi_query_attention`,
 * ChatGLM-6B configs `inner_hidden_size`/`position_encoding_2d`).
 */
export const inferArch = (raw: Record<string, unknown>, file = "config.json"): GlmArch => {
  const tag = raw.zaoji_arch
  if (tag === "glm1" || tag === "glm2") return tag
  if (tag !== undefined) throw new ConfigError(file, `field "zaoji_arch": expected "glm1" or "glm2", found ${JSON.stringify(tag)}`)
  if ("padded_vocab_size" in raw || "multi_query_attention" in raw || "kv_channels" in raw) return "glm2"
  if ("inner_hidden_size" in raw || "position_encoding_2d" in raw || "vocab_size" in raw) return "glm1"
  throw new ConfigError(file, `cannot tell the architecture: expected "zaoji_arch" ("glm1" | "glm2") or the official ChatGLM fields`)
}

/** Decode an official-style config object; errors name the file and the field. */
export const decodeGlmConfig = (raw: unknown, file = "config.json"): GlmConfig => {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new ConfigError(file, "expected a JSON object")
  const obj = raw as Record<string, unknown>
  const arch = inferArch(obj, file)
  const input = { ...obj, zaoji_arch: arch }
  const result: Either.Either<GlmConfig, ParseResult.ParseError> =
    arch === "glm1"
      ? Schema.decodeUnknownEither(Glm1ConfigSchema, { errors: "all" })(input)
      : Schema.decodeUnknownEither(Glm2ConfigSchema, { errors: "all" })(input)
  if (Either.isLeft(result)) {
    const issues = ParseResult.ArrayFormatter.formatErrorSync(result.left)
      .map((i) => `field "${i.path.join(".")}": ${i.message}`)
      .join("; ")
    throw new ConfigError(file, `invalid ${arch} config: ${issues}`)
  }
  const cfg = result.right
  validateDims(cfg, file)
  return cfg
}

const validateDims = (cfg: GlmConfig, file: string): void => {
  if (cfg.zaoji_arch === "glm1") {
    if (cfg.hidden_size % cfg.num_attention_heads !== 0) {
      throw new ConfigError(file, `hidden_size ${cfg.hidden_size} must be divisible by num_attention_heads ${cfg.num_attention_heads}`)
    }
    if ((cfg.hidden_size / cfg.num_attention_heads) % 4 !== 0) {
      throw new ConfigError(file, `head size ${cfg.hidden_size / cfg.num_attention_heads} must be a multiple of 4 (2D rotary)`)
    }
  } else {
    if (cfg.kv_channels % 4 !== 0) throw new ConfigError(file, `kv_channels ${cfg.kv_channels} must be a multiple of 4 (rotary on half the head)`)
    if (cfg.multi_query_attention && cfg.num_attention_heads % cfg.multi_query_group_num !== 0) {
      throw new ConfigError(file, `num_attention_heads ${cfg.num_attention_heads} must be divisible by multi_query_group_num ${cfg.multi_query_group_num}`)
    }
  }
}

/** Dimensions both architectures are expressed in. */
export interface Dims {
  readonly arch: GlmArch
  readonly vocab: number
  readonly hidden: number
  readonly layers: number
  readonly heads: number
  readonly headDim: number
  /** kv heads stored in the cache (glm2: multi-query groups) */
  readonly kvHeads: number
  readonly ffn: number
  readonly maxSeq: number
  readonly eps: number
  readonly preSeqLen: number
  /** P-Tuning v2 prefix width: 2 · layers · kvHeads · headDim */
  readonly kvSize: number
}

export const dimsOf = (cfg: GlmConfig): Dims => {
  if (cfg.zaoji_arch === "glm1") {
    const headDim = cfg.hidden_size / cfg.num_attention_heads
    return {
      arch: "glm1",
      vocab: cfg.vocab_size,
      hidden: cfg.hidden_size,
      layers: cfg.num_layers,
      heads: cfg.num_attention_heads,
      headDim,
      kvHeads: cfg.num_attention_heads,
      ffn: cfg.inner_hidden_size,
      maxSeq: cfg.max_sequence_length,
      eps: cfg.layernorm_epsilon,
      preSeqLen: cfg.pre_seq_len ?? 0,
      kvSize: 2 * cfg.num_layers * cfg.hidden_size
    }
  }
  const kvHeads = cfg.multi_query_attention ? cfg.multi_query_group_num : cfg.num_attention_heads
  return {
    arch: "glm2",
    vocab: cfg.padded_vocab_size,
    hidden: cfg.hidden_size,
    layers: cfg.num_layers,
    heads: cfg.num_attention_heads,
    headDim: cfg.kv_channels,
    kvHeads,
    ffn: cfg.ffn_hidden_size,
    maxSeq: cfg.seq_length,
    eps: cfg.layernorm_epsilon,
    preSeqLen: cfg.pre_seq_len ?? 0,
    kvSize: 2 * cfg.num_layers * kvHeads * cfg.kv_channels
  }
}

/** Token ids generation stops at by default (glm1: eos/eop; glm2: eos and eop when known). */
export const defaultStopIds = (cfg: GlmConfig): number[] =>
  cfg.zaoji_arch === "glm1"
    ? [cfg.eos_token_id]
    : [cfg.eos_token_id, ...(cfg.eop_token_id !== undefined ? [cfg.eop_token_id] : [])]
