/**
 * Property tests of the SentencePiece `.model` reader and the tokenizer built on it: damaged model
 * files and arbitrary (well-formed) models either load, then encode and decode any text, or fail
 * with an error naming the file. Never another exception, never a hang. Seeded and time-bounded.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import fc from "fast-check"
import { afterAll, describe, expect, it } from "vitest"
import { buildCharsmap, GLM2_MODEL_FILE, loadTokenizer, SentencePieceModel, TokenizerFileError, type Piece } from "../src/tokenizer/index.js"
import { bytePieces, buildModel, ModelType, PieceType, specials, unigramPieces } from "./tokenizerHelpers.js"

/**
 * Any code points, lone surrogates included (fast-check's `unit: "binary"` does the same but takes
 * seconds to build its table).
 */
const anyText = (maxLength: number): fc.Arbitrary<string> =>
  fc.array(fc.integer({ min: 0, max: 0x10ffff }), { maxLength }).map((cps) => String.fromCodePoint(...cps))

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "tokenizer-fixtures")
const dir = mkdtempSync(join(tmpdir(), "zaoji-sp-prop-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const settings = (seed: number, numRuns = 200): fc.Parameters<unknown> => ({ seed, numRuns, interruptAfterTimeLimit: 4_000 })

/** text worth segmenting: Chinese, ASCII, spaces, byte-fallback material, control characters */
const text = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: fc.constantFrom(..."肝胆hello world abc▁ \t\n\u3000é😀\u0000"), maxLength: 30 }),
  anyText(20)
)

/**
 * Load `bytes` as a model named `where`, then encode and decode `samples`: the model either loads
 * or fails with an Error whose message names `where`; a loaded model's ids are its own and decoding
 * never throws. Each model and its samples take well under a second.
 */
const exercise = (bytes: Uint8Array, where: string, samples: ReadonlyArray<string>): void => {
  const t0 = performance.now()
  let sp: SentencePieceModel
  try {
    sp = SentencePieceModel.fromBytes(bytes, where)
  } catch (e) {
    expect(e).toBeInstanceOf(Error)
    expect([TypeError, RangeError, SyntaxError].some((k) => e instanceof k), String(e)).toBe(false)
    expect((e as Error).message.startsWith(where)).toBe(true)
    return
  }
  for (const s of samples) {
    const ids = sp.encode(s)
    for (const id of ids) expect(id >= 0 && id < sp.size, `id ${id} of ${sp.size}`).toBe(true)
    expect(typeof sp.decode(ids)).toBe("string")
  }
  expect(sp.decode([-1, sp.size, 1.5, Number.NaN, 0])).toBeTypeOf("string")
  expect(performance.now() - t0).toBeLessThan(1000)
}

type Edit = { kind: "set" | "insert" | "delete"; at: number; bytes: Uint8Array } | { kind: "truncate"; at: number }
// overwrites (which keep the framing, so that many damaged files still parse) more often than the
// edits that shift or cut everything after them
// a uniform fraction of the length (fc.double spreads over representable doubles: mostly tiny)
const at = fc.noBias(fc.nat({ max: 1_000_000 })).map((x) => x / 1_000_000)
const edit: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("set" as const), at, bytes: fc.uint8Array({ minLength: 1, maxLength: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom("insert" as const, "delete" as const), at, bytes: fc.uint8Array({ minLength: 1, maxLength: 6 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncate" as const), at }) }
)
const damage = (src: Uint8Array, edits: ReadonlyArray<Edit>): Uint8Array => {
  let b = Buffer.from(src)
  for (const e of edits) {
    const p = Math.min(b.length, Math.floor(b.length * e.at))
    if (e.kind === "truncate") b = b.subarray(0, p)
    else if (e.kind === "set") {
      b = Buffer.from(b)
      b.set(e.bytes.subarray(0, Math.max(0, b.length - p)), p)
    } else if (e.kind === "insert") b = Buffer.concat([b.subarray(0, p), e.bytes, b.subarray(p)])
    else b = Buffer.concat([b.subarray(0, p), b.subarray(p + e.bytes.length)])
  }
  return b
}

describe("SentencePiece model files", () => {
  it.each(["unigram-nfkc.model", "unigram-raw.model", "bpe-bytes.model", "bpe-unk.model"])("%s, damaged, loads or fails naming the file", (name) => {
    const good = readFileSync(join(fixtures, name))
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), fc.array(text, { maxLength: 3 }), (edits, samples) => exercise(damage(good, edits), name, samples)),
      settings(name.length, 150)
    )
  })

  it("arbitrary bytes are no model, said with the file name", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => exercise(bytes, "x.model", ["肝胆 hello"])),
      settings(3, 500)
    )
  })

  it("any well-formed model (pieces, scores, types, algorithms, charsmaps) segments any text", () => {
    const pieceText = fc.oneof(fc.string({ minLength: 1, maxLength: 4 }), fc.constantFrom("▁", "▁肝", "肝胆", "he", "llo", "<0x41>", "<0xZZ>", " ", ""))
    const piece: fc.Arbitrary<Piece> = fc
      .record({
        piece: pieceText,
        score: fc.oneof(fc.float({ noNaN: true, min: -20, max: 0 }), fc.constantFrom(Number.NaN, -Infinity, Infinity, 3.4e38)),
        type: fc.constantFrom(PieceType.Normal, PieceType.Normal, PieceType.Normal, PieceType.UserDefined, PieceType.Unused, PieceType.Control, PieceType.Byte, PieceType.Unknown)
      })
      // mostly loadable models (a byte piece must be spelled <0xNN>); the reader's refusals get the rest
      .chain((x) => fc.nat({ max: 9 }).map((k) => (x.type === PieceType.Byte && k > 0 && !/^<0x[0-9A-F]{2}>$/.test(x.piece) ? { ...x, type: PieceType.Normal } : x)))
    const reserved = new Set([...specials(), ...bytePieces()].map((x) => x.piece))
    const model = fc.record({
      pieces: fc
        .tuple(fc.uniqueArray(piece, { maxLength: 24, selector: (x) => x.piece }), fc.nat({ max: 9 }), fc.boolean())
        .map(([ps, k, bytes]) => [...specials(), ...(bytes ? bytePieces() : []), ...(k > 0 ? ps.filter((x) => !reserved.has(x.piece)) : ps)]),
      modelType: fc.constantFrom(ModelType.Unigram, ModelType.Bpe, ModelType.Word, ModelType.Char),
      byteFallback: fc.boolean(),
      whitespaceAsSuffix: fc.boolean(),
      addDummyPrefix: fc.boolean(),
      removeExtraWhitespaces: fc.boolean(),
      escapeWhitespaces: fc.boolean(),
      charsmap: fc.oneof(
        fc.constant(undefined),
        fc.array(fc.tuple(fc.string({ minLength: 1, maxLength: 2 }), fc.string({ maxLength: 3 })), { maxLength: 5 }).map((rules) => buildCharsmap(rules.filter((r, i, all) => all.findIndex((x) => x[0] === r[0]) === i))),
        fc.uint8Array({ maxLength: 40 })
      )
    })
    fc.assert(
      fc.property(model, fc.array(text, { minLength: 1, maxLength: 4 }), (m, samples) => {
        const bytes = buildModel(
          m.pieces,
          { modelType: m.modelType, byteFallback: m.byteFallback, treatWhitespaceAsSuffix: m.whitespaceAsSuffix },
          { addDummyPrefix: m.addDummyPrefix, removeExtraWhitespaces: m.removeExtraWhitespaces, escapeWhitespaces: m.escapeWhitespaces, precompiledCharsmap: m.charsmap }
        )
        exercise(bytes, "gen.model", samples)
      }),
      settings(4, 300)
    )
  })
})

describe("a model folder's SentencePiece tokenizer", () => {
  it("a damaged tokenizer.model is a TokenizerFileError naming it", () => {
    const good = buildModel(unigramPieces())
    let n = 0
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
        const folder = join(dir, `m${n++}`)
        mkdirSync(folder)
        const file = join(folder, GLM2_MODEL_FILE)
        writeFileSync(file, damage(good, edits))
        try {
          const tok = loadTokenizer(folder)
          expect(typeof tok.decode(tok.encode("肝胆 hello"))).toBe("string")
        } catch (e) {
          expect(e).toBeInstanceOf(TokenizerFileError)
          expect((e as TokenizerFileError).file).toBe(file)
        }
      }),
      settings(5, 100)
    )
  })
})
