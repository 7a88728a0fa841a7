/** Builds real SentencePiece `.model` bytes for tests (the same protobuf layout the C++ library writes). */
import {
  defaultNormalizerSpec,
  defaultTrainerSpec,
  ModelType,
  PieceType,
  writeModelProto,
  type NormalizerSpec,
  type Piece,
  type TrainerSpec
} from "../src/tokenizer/index.js"

export const p = (piece: string, score: number, type: Piece["type"] = PieceType.Normal): Piece => ({ piece, score, type })

export const specials = (): Piece[] => [p("<unk>", 0, PieceType.Unknown), p("<s>", 0, PieceType.Control), p("</s>", 0, PieceType.Control)]

export const bytePieces = (): Piece[] =>
  Array.from({ length: 256 }, (_, b) => p(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`, 0, PieceType.Byte))

export const buildModel = (
  pieces: ReadonlyArray<Piece>,
  trainer: Partial<TrainerSpec> = {},
  normalizer: Partial<NormalizerSpec> = {}
): Uint8Array =>
  writeModelProto({
    pieces,
    trainer: { ...defaultTrainerSpec, vocabSize: pieces.length, ...trainer },
    normalizer: { ...defaultNormalizerSpec, name: "identity", ...normalizer }
  })

/** a small unigram model over a few English and Chinese pieces */
export const unigramPieces = (): Piece[] => [
  ...specials(),
  p("\u2581", -2),
  p("\u2581he", -3),
  p("\u2581hello", -4),
  p("llo", -2.5),
  p("he", -2),
  p("l", -3),
  p("o", -3),
  p("h", -4),
  p("e", -4),
  p("\u2581world", -5),
  p("w", -4),
  p("r", -4),
  p("d", -4),
  p("\u2581abc", -5),
  p("d", -5.5),
  p("\u2581a", -1),
  p("bcd", -2),
  p("a", -3),
  p("b", -3),
  p("c", -3),
  p("肝", -3),
  p("胆", -3),
  p("肝胆", -4),
  p("\u2581肝", -3.5)
].filter((x, i, all) => all.findIndex((y) => y.piece === x.piece) === i)

export { ModelType, PieceType }
