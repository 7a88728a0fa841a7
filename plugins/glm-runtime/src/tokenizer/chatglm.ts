/**
 * The official ChatGLM tokenizers on top of a SentencePiece model.
 *
 * ChatGLM-6B (`ice_text.model`, final official version): "\n" → `<n>`, "\t" → `<|tab|>`, runs of
 * 2..80 spaces → `<|blank_N|>` before SentencePiece; every SentencePiece id is shifted by the
 * 20000 image tokens (`num_image_tokens`); the special tokens ([MASK] [gMASK] [sMASK] <unused_0>
 * <sop> <eop> <ENC> <dBLOCK>) are pieces of the model itself, so [MASK] is 130000. Its pad id is
 * the config's `pad_token_id` 3.
 *
 * ChatGLM2/3 (`tokenizer.model`): plain SentencePiece ids; the special tokens follow the
 * SentencePiece vocabulary ([MASK] [gMASK] [sMASK] sop eop, glm3 also <|system|> <|user|>
 * <|assistant|> <|observation|>); eos is the model's `</s>`, pad its `<unk>`.
 */
import { SentencePieceModel } from "./sentencepiece/model.js"
import type { ChatFormat, SpecialTokenIds, Tokenizer, TokenizerFamily } from "./types.js"

export const GLM1_NUM_IMAGE_TOKENS = 20000
export const GLM1_MAX_BLANK_LENGTH = 80
export const GLM1_PAD_ID = 3
export const GLM2_SPECIAL_TOKENS = ["[MASK]", "[gMASK]", "[sMASK]", "sop", "eop"] as const
export const GLM3_ROLE_TOKENS = ["<|system|>", "<|user|>", "<|assistant|>", "<|observation|>"] as const

const blankToken = (n: number): string => `<|blank_${n}|>`
const TAB_TOKEN = "<|tab|>"

export interface SentencePieceTokenizer extends Tokenizer {
  readonly sp: SentencePieceModel
  /** the original `.model` bytes, saved unchanged into a model folder */
  readonly modelBytes: Uint8Array
}

/** ChatGLM-6B's `SPTokenizer` over an `ice_text.model`. */
export const chatGlm6bTokenizer = (
  modelBytes: Uint8Array,
  where: string,
  options: { numImageTokens?: number; padId?: number } = {}
): SentencePieceTokenizer => {
  const sp = SentencePieceModel.fromBytes(modelBytes, where)
  const offset = options.numImageTokens ?? GLM1_NUM_IMAGE_TOKENS
  const piece = (p: string, required: boolean): number | undefined => {
    const id = sp.pieceToId(p)
    if (id === undefined && required) throw new Error(`${where}: ChatGLM-6B tokenizer needs the piece "${p}" but the model has no such piece`)
    return id === undefined ? undefined : id + offset
  }
  const eop = piece("<eop>", true)!
  const special: SpecialTokenIds = {
    mask: piece("[MASK]", true)!,
    gmask: piece("[gMASK]", true)!,
    smask: piece("[sMASK]", false),
    sop: piece("<sop>", true)!,
    eop,
    eos: eop,
    pad: options.padId ?? GLM1_PAD_ID,
    unk: sp.unkId + offset,
    roles: undefined
  }
  const preprocess = (text: string): string => {
    let t = text.replaceAll("\n", "<n>").replaceAll("\t", TAB_TOKEN)
    // longest runs first, exactly like the official loop from max_len down to 2
    t = t.replace(/ {2,}/g, (run) => {
      let out = ""
      let rest = run.length
      while (rest > GLM1_MAX_BLANK_LENGTH) {
        out += blankToken(GLM1_MAX_BLANK_LENGTH)
        rest -= GLM1_MAX_BLANK_LENGTH
      }
      return out + (rest >= 2 ? blankToken(rest) : rest === 1 ? " " : "")
    })
    return t
  }
  const postprocess = (text: string): string => {
    let t = text.replaceAll("<n>", "\n").replaceAll(TAB_TOKEN, "\t")
    t = t.replace(/<\|blank_(\d+)\|>/g, (m, n: string) => {
      const k = Number(n)
      return k >= 2 && k <= GLM1_MAX_BLANK_LENGTH ? " ".repeat(k) : m
    })
    return t
  }
  return {
    family: "chatglm-6b",
    layout: "glm1",
    chatFormat: "glm1",
    vocabSize: sp.size + offset,
    special,
    stopIds: [eop],
    sp,
    modelBytes,
    encode: (text) => sp.encode(preprocess(text)).map((id) => id + offset),
    decode: (ids) =>
      postprocess(sp.decode(ids.filter((id) => id >= offset).map((id) => id - offset))),
    idToPiece: (id) => (id < offset ? (id >= 0 ? `<image_${id}>` : undefined) : sp.idToPiece(id - offset)),
    pieceToId: (p) => {
      const id = sp.pieceToId(p)
      return id === undefined ? undefined : id + offset
    }
  }
}

/** ChatGLM2-6B / ChatGLM3-6B `SPTokenizer` over a `tokenizer.model`. */
export const chatGlm2Tokenizer = (
  modelBytes: Uint8Array,
  where: string,
  family: Extract<TokenizerFamily, "chatglm2" | "chatglm3">
): SentencePieceTokenizer => {
  const sp = SentencePieceModel.fromBytes(modelBytes, where)
  const n = sp.size
  // the official tokenizer always registers the glm3 role tokens too; glm2 just never emits them
  const extra: ReadonlyArray<string> = [...GLM2_SPECIAL_TOKENS, ...GLM3_ROLE_TOKENS]
  const extraIds = new Map(extra.map((t, i) => [t, n + i] as const))
  const eos = sp.proto.trainer.eosId
  if (eos < 0 || eos >= n) throw new Error(`${where}: trainer_spec.eos_id ${eos} is not a piece id (expected </s>)`)
  const roles = {
    system: extraIds.get("<|system|>")!,
    user: extraIds.get("<|user|>")!,
    assistant: extraIds.get("<|assistant|>")!,
    observation: extraIds.get("<|observation|>")!
  }
  const special: SpecialTokenIds = {
    mask: extraIds.get("[MASK]")!,
    gmask: extraIds.get("[gMASK]")!,
    smask: extraIds.get("[sMASK]")!,
    sop: extraIds.get("sop")!,
    eop: extraIds.get("eop")!,
    eos,
    pad: sp.unkId,
    unk: sp.unkId,
    roles: family === "chatglm3" ? roles : undefined
  }
  const chatFormat: ChatFormat = family === "chatglm3" ? "glm3" : "glm2"
  return {
    family,
    layout: "glm2",
    chatFormat,
    vocabSize: n + extra.length,
    special,
    stopIds: family === "chatglm3" ? [eos, roles.user, roles.observation] : [eos],
    sp,
    modelBytes,
    encode: (text) => sp.encode(text),
    decode: (ids) => sp.decode(ids.filter((id) => id < n)),
    idToPiece: (id) => (id >= n ? extra[id - n] : sp.idToPiece(id)),
    pieceToId: (p) => extraIds.get(p) ?? sp.pieceToId(p)
  }
}
