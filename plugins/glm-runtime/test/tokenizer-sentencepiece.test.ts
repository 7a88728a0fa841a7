import { describe, expect, it } from "vitest"
import { buildCharsmap, ModelType, parseModelProto, PieceType, SentencePieceModel, writeModelProto } from "../src/tokenizer/index.js"
import { buildModel, bytePieces, p, specials, unigramPieces } from "./tokenizerHelpers.js"

const unigram = (extra: Parameters<typeof buildModel>[1] = {}, norm: Parameters<typeof buildModel>[2] = {}) =>
  SentencePieceModel.fromBytes(buildModel(unigramPieces(), extra, norm), "test.model")

describe("SentencePiece ModelProto", () => {
  it("round-trips pieces, trainer and normalizer specs through the protobuf bytes", () => {
    const bytes = buildModel(unigramPieces(), { modelType: ModelType.Bpe, byteFallback: true, padId: -1, eosId: 2 }, { addDummyPrefix: false })
    const m = parseModelProto(bytes, "x.model")
    expect(m.pieces.length).toBe(unigramPieces().length)
    expect(m.pieces[4]).toEqual({ piece: "\u2581he", score: -3, type: PieceType.Normal })
    expect(m.pieces[0].type).toBe(PieceType.Unknown)
    expect(m.trainer.modelType).toBe(ModelType.Bpe)
    expect(m.trainer.byteFallback).toBe(true)
    expect(m.trainer.padId).toBe(-1) // negative int32 survives the 10-byte varint
    expect(m.normalizer.addDummyPrefix).toBe(false)
    expect(writeModelProto(m)).toEqual(bytes)
  })

  it("names the file and byte offset of a truncated model", () => {
    const bytes = buildModel(unigramPieces())
    expect(() => parseModelProto(bytes.subarray(0, bytes.length - 7), "cut.model")).toThrow(/cut\.model.*(truncated|runs past the end)/)
    expect(() => parseModelProto(new Uint8Array(0), "empty.model")).toThrow(/empty\.model.*no pieces/)
  })
})

describe("unigram (Viterbi) segmentation", () => {
  const sp = unigram()
  it("picks the best-scoring path, not the longest first match", () => {
    // ▁abc(-5) + d(-5.5) = -10.5 loses to ▁a(-1) + bcd(-2) = -3
    expect(sp.encodeAsPieces("abcd")).toEqual(["\u2581a", "bcd"])
    // ▁hello(-4) beats ▁he(-3) + llo(-2.5) = -5.5
    expect(sp.encodeAsPieces("hello")).toEqual(["\u2581hello"])
    expect(sp.encodeAsPieces("hello world")).toEqual(["\u2581hello", "\u2581world"])
    // ▁(-2) + 肝胆(-4) = -6 beats ▁肝(-3.5) + 胆(-3) = -6.5 and ▁ + 肝 + 胆 = -8
    expect(sp.encodeAsPieces("肝胆")).toEqual(["\u2581", "肝胆"])
  })

  it("removes extra whitespace and adds the dummy prefix as the normalizer spec says", () => {
    expect(sp.normalize("  hello   world  ")).toBe("\u2581hello\u2581world")
    const keep = unigram({}, { removeExtraWhitespaces: false, addDummyPrefix: false })
    expect(keep.normalize(" a  b")).toBe("\u2581a\u2581\u2581b")
    expect(sp.normalize("   ")).toBe("")
  })

  it("merges a run of unknown characters into one <unk> and decodes it as the unk surface", () => {
    const ids = sp.encode("hexyz")
    expect(ids.map((i) => sp.idToPiece(i))).toEqual(["\u2581he", "<unk>"])
    expect(sp.decode(ids)).toBe("he \u2047 ")
  })

  it("falls back to UTF-8 byte pieces and decodes them back", () => {
    const pieces = [...unigramPieces(), ...bytePieces()]
    const fb = SentencePieceModel.fromBytes(buildModel(pieces, { byteFallback: true }), "fb.model")
    const ids = fb.encode("hello é肝")
    expect(ids.map((i) => fb.idToPiece(i))).toEqual(["\u2581hello", "\u2581", "<0xC3>", "<0xA9>", "肝"])
    expect(fb.decode(ids)).toBe("hello é肝")
    // a lone invalid byte decodes to U+FFFD instead of throwing
    expect(fb.decode([fb.pieceToId("<0xC3>")!])).toBe("\ufffd")
  })

  it("keeps user-defined symbols whole and unnormalized, and drops control pieces when decoding", () => {
    const pieces = [...unigramPieces(), p("<n>", 0, PieceType.UserDefined), p("[gMASK]", 0, PieceType.Control)]
    const m = SentencePieceModel.fromBytes(buildModel(pieces), "ud.model")
    // after <n> there is no dummy prefix: he(-2) + llo(-2.5)
    expect(m.encodeAsPieces("he<n>hello")).toEqual(["\u2581he", "<n>", "he", "llo"])
    expect(m.encodeAsPieces("<n>")).toEqual(["\u2581", "<n>"])
    const ids = [...m.encode("hello"), m.pieceToId("[gMASK]")!, ...m.encode("world")]
    expect(m.decode(ids)).toBe("hello world")
  })

  it("applies a precompiled charsmap (longest rule wins, whole characters only)", () => {
    const charsmap = buildCharsmap([
      ["Ａ", "a"],
      ["ａｂ", "ab"],
      ["ｃ", "c"],
      ["①", "1"],
      ["\u3000", " "]
    ])
    const m = unigram({}, { name: "nmt_nfkc", precompiledCharsmap: charsmap })
    expect(m.normalize("Ａｂｃ")).toBe("\u2581a" + "ｂ" + "c")
    expect(m.normalize("ａｂｃd")).toBe("\u2581abcd")
    expect(m.normalize("he\u3000\u3000llo")).toBe("\u2581he\u2581llo")
    expect(m.encodeAsPieces("ａｂｃd")).toEqual(["\u2581a", "bcd"])
  })
})

describe("BPE segmentation", () => {
  const pieces = [...specials(), p("ab", -1), p("\u2581ab", -2), p("abab", -3), p("\u2581", -10), p("a", -11), p("b", -12), p("c", -13)]
  const bpe = SentencePieceModel.fromBytes(buildModel(pieces, { modelType: ModelType.Bpe }), "bpe.model")
  it("merges the best-scoring pair first, leftmost on ties", () => {
    // ▁ a b a b → ▁ [ab] a b → ▁ [ab] [ab] → [▁ab] [ab]; "abab" lost its left side
    expect(bpe.encodeAsPieces("abab")).toEqual(["\u2581ab", "ab"])
    expect(bpe.encodeAsPieces("cab")).toEqual(["\u2581", "c", "ab"])
    expect(bpe.decode(bpe.encode("ab abab c"))).toBe("ab abab c")
  })
  it("maps unknown characters to <unk>", () => {
    expect(bpe.encodeAsPieces("abz")).toEqual(["\u2581ab", "<unk>"])
  })
})
