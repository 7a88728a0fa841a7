import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import {
  buildGenerationInput,
  chatGlm2Tokenizer,
  chatGlm6bTokenizer,
  loadTokenizer,
  ModelType,
  PieceType,
  saveTokenizer,
  TokenizerFileError,
  type Piece
} from "../src/index.js"
import { buildModel, bytePieces, p, specials, unigramPieces } from "./tokenizerHelpers.js"

const dirs: string[] = []
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), "zaoji-tok-"))
  dirs.push(d)
  return d
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

/**
 * An ice_text.model laid out like ChatGLM-6B's: text pieces, then filler up to SentencePiece id
 * 110000 so the special tokens land on the official ids (130000 = [MASK] after the 20000 offset),
 * then <n>, <|tab|>, <|blank_2..80|> as user-defined pieces and the byte pieces.
 */
const iceTextModel = (): Uint8Array => {
  const pieces: Piece[] = [...specials(), p("<pad>", 0, PieceType.Control), ...unigramPieces().slice(3), p("，", -3), p("问", -3), p("：", -3)]
  while (pieces.length < 110000) pieces.push(p(`<filler_${pieces.length}>`, 0, PieceType.Control))
  for (const s of ["[MASK]", "[gMASK]", "[sMASK]", "<unused_0>", "<sop>", "<eop>", "<ENC>", "<dBLOCK>"]) pieces.push(p(s, 0, PieceType.Control))
  pieces.push(p("<n>", 0, PieceType.UserDefined), p("<|tab|>", 0, PieceType.UserDefined))
  for (let i = 2; i <= 80; i++) pieces.push(p(`<|blank_${i}|>`, 0, PieceType.UserDefined))
  pieces.push(...bytePieces())
  return buildModel(pieces, { byteFallback: true }, { removeExtraWhitespaces: false })
}

describe("ChatGLM-6B tokenizer (ice_text.model)", () => {
  const bytes = iceTextModel()
  const tok = chatGlm6bTokenizer(bytes, "ice_text.model")

  it("puts the special tokens on the official ids", () => {
    expect(tok.special).toMatchObject({ mask: 130000, gmask: 130001, smask: 130002, sop: 130004, eop: 130005, eos: 130005, pad: 3 })
    expect(tok.stopIds).toEqual([130005])
    expect(tok.idToPiece(130001)).toBe("[gMASK]")
    expect(tok.idToPiece(5)).toBe("<image_5>")
  })

  it("shifts text ids by the 20000 image tokens and encodes line breaks, tabs and space runs", () => {
    const ids = tok.encode("hello")
    expect(ids).toEqual([20000 + 6])
    const pieces = (t: string) => tok.encode(t).map((i) => tok.idToPiece(i))
    expect(pieces("he\nhello")).toEqual(["\u2581he", "<n>", "he", "llo"])
    expect(pieces("a\tb")).toEqual(["\u2581a", "<|tab|>", "b"])
    expect(pieces("a   b")).toEqual(["\u2581a", "<|blank_3|>", "b"])
    // 85 spaces: the official loop replaces 80 first, then the remaining 5
    expect(pieces(`a${" ".repeat(85)}b`)).toEqual(["\u2581a", "<|blank_80|>", "<|blank_5|>", "b"])
  })

  it("round-trips text with line breaks, blanks, tabs and byte-fallback characters", () => {
    for (const t of ["hello world", "he\n\nllo", "a    b\tc", "肝胆 é!", `x${" ".repeat(170)}y`]) expect(tok.decode(tok.encode(t))).toBe(t)
    expect(tok.decode([...tok.encode("hello"), tok.special.gmask, tok.special.sop])).toBe("hello")
  })

  it("lays glm1 generation input out as ids + [gMASK, <sop>] with the official chat prompt", () => {
    const input = buildGenerationInput(tok, [
      { role: "user", content: "he" },
      { role: "assistant", content: "hello" },
      { role: "user", content: "world" }
    ])
    expect(input.text).toBe("[Round 0]\n问：he\n答：hello\n[Round 1]\n问：world\n答：")
    expect(input.ids.slice(-2)).toEqual([130001, 130004])
    expect(tok.decode(input.ids)).toBe(input.text)
  })

  it("saves to and loads from a model folder unchanged", () => {
    const dir = tempDir()
    expect(saveTokenizer(tok, dir)).toEqual(["ice_text.model", "tokenizer_config.json"])
    expect(Buffer.compare(readFileSync(join(dir, "ice_text.model")), bytes)).toBe(0)
    const back = loadTokenizer(dir)
    expect(back.family).toBe("chatglm-6b")
    expect(back.encode("he\nhello   world")).toEqual(tok.encode("he\nhello   world"))
  })
})

describe("ChatGLM2/3 tokenizer (tokenizer.model)", () => {
  const pieces = [...unigramPieces(), p("\u2581问", -2), p("答", -2), p("：", -2), p("[", -3), p("]", -3), p("Round", -3), p("\u2581Round", -2), p("1", -3), p("2", -3), p("\n", -1), ...bytePieces()]
  const bytes = buildModel(pieces, { byteFallback: true, modelType: ModelType.Unigram })
  const n = pieces.length
  const glm2 = chatGlm2Tokenizer(bytes, "tokenizer.model", "chatglm2")
  const glm3 = chatGlm2Tokenizer(bytes, "tokenizer.model", "chatglm3")

  it("appends the special tokens after the SentencePiece vocabulary", () => {
    expect(glm2.special).toMatchObject({ mask: n, gmask: n + 1, smask: n + 2, sop: n + 3, eop: n + 4, eos: 2, pad: 0 })
    expect(glm3.special.roles).toEqual({ system: n + 5, user: n + 6, assistant: n + 7, observation: n + 8 })
    expect(glm2.special.roles).toBeUndefined()
    expect(glm3.stopIds).toEqual([2, n + 6, n + 8])
    expect(glm2.vocabSize).toBe(n + 9)
    expect(glm3.pieceToId("<|user|>")).toBe(n + 6)
  })

  it("builds the glm2 prompt with rounds from 1 and [gMASK, sop] first", () => {
    const input = buildGenerationInput(glm2, [
      { role: "user", content: "hello" },
      { role: "assistant", content: "world" },
      { role: "user", content: "肝胆" }
    ])
    expect(input.text).toBe("[Round 1]\n\n问：hello\n\n答：world\n\n[Round 2]\n\n问：肝胆\n\n答：")
    expect(input.ids.slice(0, 2)).toEqual([n + 1, n + 3])
    expect(glm2.decode(input.ids)).toBe(input.text)
  })

  it("builds the glm3 chat input from role tokens", () => {
    const input = buildGenerationInput(glm3, [
      { role: "system", content: "he" },
      { role: "user", content: "hello" }
    ])
    const nl = glm3.encode("\n")
    expect(input.ids).toEqual([n + 1, n + 3, n + 5, ...nl, ...glm3.encode("he"), n + 6, ...nl, ...glm3.encode("hello"), n + 7])
  })

  it("remembers the family in the model folder; official folders are told apart by their config", () => {
    const dir = tempDir()
    saveTokenizer(glm3, dir)
    expect(loadTokenizer(dir).chatFormat).toBe("glm3")
    const official = tempDir()
    writeFileSync(join(official, "tokenizer.model"), bytes)
    expect(loadTokenizer(official).family).toBe("chatglm2")
    writeFileSync(join(official, "tokenizer_config.json"), JSON.stringify({ name_or_path: "THUDM/chatglm3-6b" }))
    expect(loadTokenizer(official).family).toBe("chatglm3")
  })

  it("reports a corrupt tokenizer file with its path", () => {
    const dir = tempDir()
    writeFileSync(join(dir, "tokenizer.model"), bytes.subarray(0, 100))
    expect(() => loadTokenizer(dir)).toThrow(TokenizerFileError)
    expect(() => loadTokenizer(dir)).toThrow(new RegExp(`${join(dir, "tokenizer.model").replace(/[/\\.]/g, "\\$&")}`))
    const empty = tempDir()
    expect(() => loadTokenizer(empty)).toThrow(/expected one of tokenizer\.json, ice_text\.model, tokenizer\.model/)
  })
})
