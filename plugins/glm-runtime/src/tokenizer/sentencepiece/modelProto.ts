/**
 * SentencePiece `ModelProto` (sentencepiece_model.proto) ↔ a plain object. Only the fields that
 * encoding and decoding depend on are kept; everything else is skipped on read.
 */
import { ProtoReader, ProtoWriter, WireType } from "./protobuf.js"

/** SentencePiece.Type */
export const PieceType = { Normal: 1, Unknown: 2, Control: 3, UserDefined: 4, Unused: 5, Byte: 6 } as const
export type PieceType = (typeof PieceType)[keyof typeof PieceType]

/** TrainerSpec.ModelType */
export const ModelType = { Unigram: 1, Bpe: 2, Word: 3, Char: 4 } as const
export type ModelType = (typeof ModelType)[keyof typeof ModelType]

export interface Piece {
  readonly piece: string
  readonly score: number
  readonly type: PieceType
}

export interface TrainerSpec {
  readonly modelType: ModelType
  readonly vocabSize: number
  readonly byteFallback: boolean
  readonly treatWhitespaceAsSuffix: boolean
  readonly unkId: number
  readonly bosId: number
  readonly eosId: number
  readonly padId: number
  readonly unkSurface: string
}

export interface NormalizerSpec {
  readonly name: string
  readonly precompiledCharsmap: Uint8Array | undefined
  readonly addDummyPrefix: boolean
  readonly removeExtraWhitespaces: boolean
  readonly escapeWhitespaces: boolean
}

export interface ModelProto {
  readonly pieces: ReadonlyArray<Piece>
  readonly trainer: TrainerSpec
  readonly normalizer: NormalizerSpec
}

/** proto2 defaults from sentencepiece_model.proto */
export const defaultTrainerSpec: TrainerSpec = {
  modelType: ModelType.Unigram,
  vocabSize: 8000,
  byteFallback: false,
  treatWhitespaceAsSuffix: false,
  unkId: 0,
  bosId: 1,
  eosId: 2,
  padId: -1,
  unkSurface: " \u2047 "
}

export const defaultNormalizerSpec: NormalizerSpec = {
  name: "",
  precompiledCharsmap: undefined,
  addDummyPrefix: true,
  removeExtraWhitespaces: true,
  escapeWhitespaces: true
}

const readPiece = (r: ProtoReader): Piece => {
  let piece = ""
  let score = 0
  let type: number = PieceType.Normal
  while (!r.done) {
    const { field, wire } = r.tag()
    if (field === 1 && wire === WireType.Bytes) piece = r.string()
    else if (field === 2 && wire === WireType.Fixed32) score = r.float()
    else if (field === 3 && wire === WireType.Varint) type = r.int32()
    else r.skip(wire)
  }
  if (type < 1 || type > 6) r.fail(`piece "${piece}": type ${type} is not one of 1..6`)
  return { piece, score, type: type as PieceType }
}

const readTrainer = (r: ProtoReader): TrainerSpec => {
  const t: { -readonly [K in keyof TrainerSpec]: TrainerSpec[K] } = { ...defaultTrainerSpec }
  while (!r.done) {
    const { field, wire } = r.tag()
    if (wire === WireType.Varint) {
      switch (field) {
        case 3: {
          const m = r.int32()
          if (m < 1 || m > 4) r.fail(`trainer_spec.model_type ${m} is not one of 1 (unigram), 2 (bpe), 3 (word), 4 (char)`)
          t.modelType = m as ModelType
          continue
        }
        case 4: t.vocabSize = r.int32(); continue
        case 24: t.treatWhitespaceAsSuffix = r.bool(); continue
        case 35: t.byteFallback = r.bool(); continue
        case 40: t.unkId = r.int32(); continue
        case 41: t.bosId = r.int32(); continue
        case 42: t.eosId = r.int32(); continue
        case 43: t.padId = r.int32(); continue
      }
    } else if (wire === WireType.Bytes && field === 44) {
      t.unkSurface = r.string()
      continue
    }
    r.skip(wire)
  }
  return t
}

const readNormalizer = (r: ProtoReader): NormalizerSpec => {
  const n: { -readonly [K in keyof NormalizerSpec]: NormalizerSpec[K] } = { ...defaultNormalizerSpec }
  while (!r.done) {
    const { field, wire } = r.tag()
    if (field === 1 && wire === WireType.Bytes) n.name = r.string()
    else if (field === 2 && wire === WireType.Bytes) n.precompiledCharsmap = r.bytes().slice()
    else if (field === 3 && wire === WireType.Varint) n.addDummyPrefix = r.bool()
    else if (field === 4 && wire === WireType.Varint) n.removeExtraWhitespaces = r.bool()
    else if (field === 5 && wire === WireType.Varint) n.escapeWhitespaces = r.bool()
    else r.skip(wire)
  }
  return n
}

/** Parse a `.model` file's bytes; `where` (the file name) prefixes every error. */
export const parseModelProto = (buf: Uint8Array, where: string): ModelProto => {
  const r = new ProtoReader(buf, where)
  const pieces: Piece[] = []
  let trainer = defaultTrainerSpec
  let normalizer = defaultNormalizerSpec
  while (!r.done) {
    const { field, wire } = r.tag()
    if (wire === WireType.Bytes && field === 1) pieces.push(readPiece(new ProtoReader(r.bytes(), `${where} (piece ${pieces.length})`)))
    else if (wire === WireType.Bytes && field === 2) trainer = readTrainer(new ProtoReader(r.bytes(), `${where} (trainer_spec)`))
    else if (wire === WireType.Bytes && field === 3) normalizer = readNormalizer(new ProtoReader(r.bytes(), `${where} (normalizer_spec)`))
    else r.skip(wire)
  }
  if (pieces.length === 0) r.fail("no pieces: not a SentencePiece model")
  return { pieces, trainer, normalizer }
}

/** Serialise a model (fields in field-number order, as protobuf writers do). */
export const writeModelProto = (m: ModelProto): Uint8Array => {
  const w = new ProtoWriter()
  for (const p of m.pieces) w.message(1, new ProtoWriter().string(1, p.piece).float(2, p.score).varint(3, p.type))
  const t = m.trainer
  const tw = new ProtoWriter()
    .varint(3, t.modelType)
    .varint(4, t.vocabSize)
    .bool(24, t.treatWhitespaceAsSuffix)
    .bool(35, t.byteFallback)
    .varint(40, t.unkId)
    .varint(41, t.bosId)
    .varint(42, t.eosId)
    .varint(43, t.padId)
    .string(44, t.unkSurface)
  w.message(2, tw)
  const n = m.normalizer
  const nw = new ProtoWriter().string(1, n.name)
  if (n.precompiledCharsmap !== undefined) nw.bytes(2, n.precompiledCharsmap)
  nw.bool(3, n.addDummyPrefix).bool(4, n.removeExtraWhitespaces).bool(5, n.escapeWhitespaces)
  w.message(3, nw)
  return w.finish()
}
