/**
 * Tokenizer files in a model folder.
 *
 * - `tokenizer.json` with a `zaoji_tokenizer` field: the trainable tokenizer.
 * - `ice_text.model`: ChatGLM-6B.
 * - `tokenizer.model`: ChatGLM2 or ChatGLM3. They ship the same file; the family is read from
 *   `tokenizer_config.json` (`zaoji_family` when Zaoji wrote it, otherwise "chatglm3" anywhere in
 *   it, as in the official repository's config, selects glm3), and defaults to ChatGLM2.
 * Writes go to a temp name and are renamed, so a crash never leaves a half-written tokenizer.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { InputError, errorMessage } from "@zaoji/core"
import { Effect } from "effect"
import { join } from "node:path"
import { chatGlm2Tokenizer, chatGlm6bTokenizer, type SentencePieceTokenizer } from "./chatglm.js"
import { TrainedTokenizer, ZAOJI_TOKENIZER_TYPE, type TrainedTokenizerData } from "./trained.js"
import { TokenizerFileError, type Tokenizer, type TokenizerFamily } from "./types.js"

export const TOKENIZER_JSON = "tokenizer.json"
export const TOKENIZER_CONFIG = "tokenizer_config.json"
export const GLM1_MODEL_FILE = "ice_text.model"
export const GLM2_MODEL_FILE = "tokenizer.model"

const writeAtomic = (path: string, data: string | Uint8Array): void => {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`
  writeFileSync(tmp, data)
  renameSync(tmp, path)
}

/** Which tokenizer files a folder holds, or undefined when it has none. */
export const tokenizerFilesIn = (dir: string): string | undefined =>
  [TOKENIZER_JSON, GLM1_MODEL_FILE, GLM2_MODEL_FILE].find((f) => existsSync(join(dir, f)))

const readJson = (file: string): unknown => {
  const text = readFileSync(file, "utf8")
  try {
    return JSON.parse(text)
  } catch (e) {
    throw new TokenizerFileError(file, "(whole file)", "valid JSON", errorMessage(e))
  }
}

const decodeTrainedData = (file: string, raw: unknown): TrainedTokenizerData => {
  if (typeof raw !== "object" || raw === null) throw new TokenizerFileError(file, "(root)", "a JSON object")
  const o = raw as Record<string, unknown>
  if (o.zaoji_tokenizer !== ZAOJI_TOKENIZER_TYPE)
    throw new TokenizerFileError(file, "zaoji_tokenizer", `"${ZAOJI_TOKENIZER_TYPE}"`, JSON.stringify(o.zaoji_tokenizer))
  if (o.layout !== "glm1" && o.layout !== "glm2") throw new TokenizerFileError(file, "layout", `"glm1" or "glm2"`, JSON.stringify(o.layout))
  if (o.chat_format !== "glm1" && o.chat_format !== "glm2" && o.chat_format !== "glm3")
    throw new TokenizerFileError(file, "chat_format", `"glm1", "glm2" or "glm3"`, JSON.stringify(o.chat_format))
  if (!Array.isArray(o.vocab)) throw new TokenizerFileError(file, "vocab", "an array of strings")
  o.vocab.forEach((p, i) => {
    if (typeof p !== "string") throw new TokenizerFileError(file, `vocab[${i}]`, "a string", JSON.stringify(p))
  })
  if (!Array.isArray(o.merges)) throw new TokenizerFileError(file, "merges", "an array of [left, right] pairs")
  o.merges.forEach((m, i) => {
    if (!Array.isArray(m) || m.length !== 2 || typeof m[0] !== "string" || typeof m[1] !== "string")
      throw new TokenizerFileError(file, `merges[${i}]`, "a [left, right] pair of strings", JSON.stringify(m))
  })
  return o as unknown as TrainedTokenizerData
}

const familyFromConfig = (dir: string): "chatglm2" | "chatglm3" => {
  const file = join(dir, TOKENIZER_CONFIG)
  if (!existsSync(file)) return "chatglm2"
  const raw = readJson(file) as Record<string, unknown>
  const marked = raw?.zaoji_family
  if (marked === "chatglm2" || marked === "chatglm3") return marked
  if (marked !== undefined) throw new TokenizerFileError(file, "zaoji_family", `"chatglm2" or "chatglm3" (next to ${GLM2_MODEL_FILE})`, JSON.stringify(marked))
  return JSON.stringify(raw).toLowerCase().includes("chatglm3") ? "chatglm3" : "chatglm2"
}

/** Load the tokenizer of a model folder. */
export const loadTokenizer = (dir: string): Tokenizer => {
  const jsonFile = join(dir, TOKENIZER_JSON)
  if (existsSync(jsonFile)) {
    const raw = readJson(jsonFile)
    if (typeof raw === "object" && raw !== null && "zaoji_tokenizer" in raw) return new TrainedTokenizer(decodeTrainedData(jsonFile, raw), jsonFile)
    if (!existsSync(join(dir, GLM1_MODEL_FILE)) && !existsSync(join(dir, GLM2_MODEL_FILE)))
      throw new TokenizerFileError(jsonFile, "zaoji_tokenizer", `"${ZAOJI_TOKENIZER_TYPE}" (or an ${GLM1_MODEL_FILE} / ${GLM2_MODEL_FILE} beside it)`, "no such field")
  }
  const wrap = (file: string, f: () => Tokenizer): Tokenizer => {
    try {
      return f()
    } catch (e) {
      if (e instanceof TokenizerFileError) throw e
      throw new TokenizerFileError(file, "(SentencePiece model)", "a readable SentencePiece ModelProto", errorMessage(e))
    }
  }
  const glm1 = join(dir, GLM1_MODEL_FILE)
  if (existsSync(glm1)) return wrap(glm1, () => chatGlm6bTokenizer(readFileSync(glm1), glm1))
  const glm2 = join(dir, GLM2_MODEL_FILE)
  if (existsSync(glm2)) {
    const family = familyFromConfig(dir)
    return wrap(glm2, () => chatGlm2Tokenizer(readFileSync(glm2), glm2, family))
  }
  throw new TokenizerFileError(dir, "tokenizer", `one of ${TOKENIZER_JSON}, ${GLM1_MODEL_FILE}, ${GLM2_MODEL_FILE}`, "none of them")
}

const isSentencePiece = (t: Tokenizer): t is SentencePieceTokenizer => "modelBytes" in t && "sp" in t

/** Save a tokenizer into a model folder (the folder must exist). Returns the files written. */
export const saveTokenizer = (tokenizer: Tokenizer, dir: string): string[] => {
  if (tokenizer instanceof TrainedTokenizer) {
    writeAtomic(join(dir, TOKENIZER_JSON), JSON.stringify(tokenizer.toJSON()))
    return [TOKENIZER_JSON]
  }
  if (isSentencePiece(tokenizer)) {
    const file = tokenizer.family === "chatglm-6b" ? GLM1_MODEL_FILE : GLM2_MODEL_FILE
    writeAtomic(join(dir, file), tokenizer.modelBytes)
    const config: Record<string, unknown> = {
      tokenizer_class: "ChatGLMTokenizer",
      zaoji_family: tokenizer.family satisfies TokenizerFamily,
      ...(tokenizer.family === "chatglm-6b" ? { num_image_tokens: 20000, bos_token: "<sop>", eos_token: "<eop>", gmask_token: "[gMASK]", mask_token: "[MASK]", pad_token: "<pad>" } : {})
    }
    writeAtomic(join(dir, TOKENIZER_CONFIG), JSON.stringify(config, null, 1))
    return [file, TOKENIZER_CONFIG]
  }
  throw new Error(`cannot save a tokenizer of family ${tokenizer.family}: it has no file representation`)
}

/** `loadTokenizer` for stages: a bad or missing tokenizer file is the user's `InputError`. */
export const loadTokenizerEffect = (dir: string): Effect.Effect<Tokenizer, InputError> =>
  Effect.try({
    try: () => loadTokenizer(dir),
    catch: (e) =>
      e instanceof TokenizerFileError
        ? new InputError({ message: e.message, location: `${e.file}: ${e.field}` })
        : new InputError({ message: `cannot read the tokenizer in ${dir}: ${errorMessage(e)}`, location: dir })
  })

