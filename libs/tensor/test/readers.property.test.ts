/**
 * Property tests of the weight-file readers on damaged and arbitrary input: the torch pickle
 * interpreter, the ZIP directory of `torch.save` archives and safetensors headers. Whatever the
 * bytes, a read either succeeds or throws a `SafetensorsError` naming the file (an `InputError`
 * once it reaches a stage); never another exception, never a hang. Seeded and time-bounded.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import fc from "fast-check"
import { afterAll, describe, expect, it } from "vitest"
import { encodeSafetensors, readSafetensors, readSafetensorsHeader, readShardedHeaders, readTensorEntries, readTorchCheckpoint, SafetensorsError } from "../src/index.js"
import { PickleReader } from "../src/torchPickle.js"
import { global, op, stateDictPickle, str, torchArchive, zipStored } from "./torchArchive.js"

/**
 * Any code points, lone surrogates included (fast-check's `unit: "binary"` does the same but takes
 * seconds to build its table).
 */
const anyText = (maxLength: number): fc.Arbitrary<string> =>
  fc.array(fc.integer({ min: 0, max: 0x10ffff }), { maxLength }).map((cps) => String.fromCodePoint(...cps))

const dir = mkdtempSync(join(tmpdir(), "zaoji-tensor-prop-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "torch")
let n = 0
const write = (ext: string, bytes: Uint8Array): string => {
  const f = join(dir, `f${n++}.${ext}`)
  writeFileSync(f, bytes)
  return f
}

/** a run of several seconds at most per property, reproducible from its seed */
const settings = (seed: number, numRuns = 300): fc.Parameters<unknown> => ({ seed, numRuns, interruptAfterTimeLimit: 4_000 })

/** `fn` returns, or throws a SafetensorsError naming `file` (or a file `alsoNamed` accepts), within `ms` */
const cleanly = (file: string, fn: () => unknown, ms = 1000, alsoNamed: (f: string) => boolean = () => false): void => {
  const t0 = performance.now()
  try {
    fn()
  } catch (e) {
    if (!(e instanceof SafetensorsError)) throw new Error(`not a SafetensorsError: ${(e as Error)?.stack ?? String(e)}`)
    expect(e.file === file || alsoNamed(e.file), e.message).toBe(true)
    expect(e.message).toContain(e.file)
    expect(e.message.length).toBeLessThan(2000)
  }
  expect(performance.now() - t0).toBeLessThan(ms)
}

/** byte-level damage: overwrite, insert, delete, truncate (positions as fractions of the length) */
type Edit = { kind: "set" | "insert" | "delete"; at: number; bytes: Uint8Array } | { kind: "truncate"; at: number }
// overwrites (which keep the framing, so that many damaged files still parse) more often than the
// edits that shift or cut everything after them
// a uniform fraction of the length (fc.double spreads over representable doubles: mostly tiny)
const at = fc.noBias(fc.nat({ max: 1_000_000 })).map((x) => x / 1_000_000)
const edit: fc.Arbitrary<Edit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("set" as const), at, bytes: fc.uint8Array({ minLength: 1, maxLength: 2 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom("insert" as const, "delete" as const), at, bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncate" as const), at }) }
)
/** bias towards the end, where ZIP keeps its directory, as often as anywhere */
const position = (len: number, at: number, tailBias: boolean): number =>
  Math.min(len, Math.floor(tailBias ? len - Math.min(len, 160) * at : len * at))
const damage = (src: Uint8Array, edits: ReadonlyArray<Edit>, tailBias = false): Buffer => {
  let b = Buffer.from(src)
  for (const e of edits) {
    const p = position(b.length, e.at, tailBias)
    if (e.kind === "truncate") b = b.subarray(0, p)
    else if (e.kind === "set") {
      b = Buffer.from(b)
      b.set(e.bytes.subarray(0, Math.max(0, b.length - p)), p)
    } else if (e.kind === "insert") b = Buffer.concat([b.subarray(0, p), e.bytes, b.subarray(p)])
    else b = Buffer.concat([b.subarray(0, p), b.subarray(p + e.bytes.length)])
  }
  return b
}

// ---- pickles ----------------------------------------------------------------------------------

const opcodes = Object.values(op)
const u32le = (x: number): number[] => [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, (x >>> 24) & 0xff]
/** one instruction: a known opcode with a plausible (or hostile) argument, or a raw byte */
const instruction: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constantFrom(...opcodes).map((o) => Uint8Array.of(o)),
  fc.tuple(fc.constantFrom(op.BININT1, op.BINGET, op.BINPUT, op.PROTO, op.SHORT_BINUNICODE, op.SHORT_BINBYTES, op.LONG1), fc.nat({ max: 255 })).map(([o, a]) => Uint8Array.of(o, a)),
  fc.tuple(fc.constantFrom(op.BININT, op.LONG_BINGET, op.LONG_BINPUT, op.BINUNICODE, op.BINBYTES, op.LONG4, op.BINSTRING), fc.oneof(fc.nat({ max: 40 }), fc.nat())).map(([o, a]) => Uint8Array.of(o, ...u32le(a))),
  fc.constantFrom(
    str("storage"),
    str("torch"),
    str("FloatStorage"),
    global("collections", "OrderedDict"),
    global("torch._utils", "_rebuild_tensor_v2"),
    global("torch._utils", "_rebuild_tensor_v3"),
    global("torch._utils", "_rebuild_parameter"),
    global("torch", "FloatStorage"),
    global("torch", "float16"),
    global("torch", "UntypedStorage"),
    global("os", "system"),
    global("builtins", "__proto__")
  ),
  fc.uint8Array({ minLength: 1, maxLength: 4 })
)
const pickleProgram = fc.array(instruction, { maxLength: 60 }).map((parts) => Buffer.concat([Uint8Array.of(op.PROTO, 2), ...parts, Uint8Array.of(op.STOP)]))

describe("pickle interpreter", () => {
  it("runs any opcode sequence to a value or a SafetensorsError naming the file", () => {
    fc.assert(
      fc.property(pickleProgram, (bytes) => cleanly("p.bin", () => new PickleReader(bytes, "p.bin", "a/data.pkl").run())),
      settings(11, 2000)
    )
  })

  it("a damaged state-dict pickle inside a checkpoint reads or fails cleanly", () => {
    const good = stateDictPickle([
      { name: "a.weight", shape: [2, 3] },
      { name: "b", shape: [4] }
    ])
    const storages = { "0": new Uint8Array(24), "1": new Uint8Array(16) }
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
        const f = write("bin", torchArchive(damage(good, edits), storages))
        cleanly(f, () => readTensorEntries(readTorchCheckpoint(f)))
      }),
      settings(12)
    )
  })
})

// ---- ZIP archives -----------------------------------------------------------------------------

describe("torch.save ZIP archives", () => {
  it.each(["mixed.bin", "zip64.bin"])("%s with damaged bytes anywhere, or in its directory, reads or fails cleanly", (name) => {
    const good = readFileSync(join(fixtures, name))
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), fc.boolean(), (edits, tail) => {
        const f = write("bin", damage(good, edits, tail))
        cleanly(f, () => readTensorEntries(readTorchCheckpoint(f)))
      }),
      settings(name.length)
    )
  })

  it("archives of arbitrary members (names, sizes, data) read or fail cleanly", () => {
    const member = fc.tuple(fc.oneof(fc.constantFrom("archive/data.pkl", "archive/byteorder", "archive/data/0", "data.pkl", "a/b/c"), fc.string({ maxLength: 12 })), fc.uint8Array({ maxLength: 40 }))
    fc.assert(
      fc.property(fc.array(member, { maxLength: 5 }), (members) => {
        const f = write("bin", zipStored(members))
        cleanly(f, () => readTensorEntries(readTorchCheckpoint(f)))
      }),
      settings(13)
    )
  })

  it("arbitrary bytes are no checkpoint, said cleanly", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (bytes, zipMagic) => {
        const f = write("bin", zipMagic ? Buffer.concat([Uint8Array.of(0x50, 0x4b, 0x03, 0x04), bytes]) : bytes)
        cleanly(f, () => readTorchCheckpoint(f))
      }),
      settings(14)
    )
  })
})

// ---- safetensors ------------------------------------------------------------------------------

const safetensorsOf = (header: unknown, payload: Uint8Array, declaredLength?: bigint): Buffer => {
  const h = Buffer.from(typeof header === "string" ? header : JSON.stringify(header), "utf8")
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(declaredLength ?? BigInt(h.length))
  return Buffer.concat([len, h, payload])
}

describe("safetensors", () => {
  const good = Buffer.concat(encodeSafetensors({ "a.weight": { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }, b: { shape: [2], data: Float32Array.from([7, 8]) } }, { dtype: "F16" }))

  it("a damaged file reads or fails cleanly", () => {
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 3 }), (edits) => {
        const f = write("safetensors", damage(good, edits))
        cleanly(f, () => readSafetensors(f))
      }),
      settings(21)
    )
  })

  it("any JSON header (hostile dtypes, shapes, offsets, metadata, prototype keys) reads or fails cleanly", () => {
    const dim = fc.oneof(fc.nat({ max: 4 }), fc.constantFrom(-1, 1.5, 2 ** 53, 2 ** 60, "2", null))
    const entry = fc.record(
      {
        dtype: fc.oneof(fc.constantFrom("F32", "F16", "BF16", "I64", "BOOL", "U8", "toString", "__proto__", "constructor", "F8"), fc.jsonValue({ maxDepth: 1 })),
        shape: fc.oneof(fc.array(dim, { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 })),
        data_offsets: fc.oneof(fc.tuple(fc.nat({ max: 40 }), fc.nat({ max: 40 })), fc.array(fc.oneof(fc.integer(), fc.constant(2 ** 60)), { maxLength: 3 }), fc.jsonValue({ maxDepth: 1 }))
      },
      { requiredKeys: [] }
    )
    const name = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("__proto__", "constructor", "toString", "__metadata__"))
    const header = fc.oneof(
      fc.array(fc.tuple(name, fc.oneof(entry, fc.jsonValue({ maxDepth: 2 }))), { maxLength: 4 }).map((kv) => `{${kv.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? "null"}`).join(",")}}`),
      fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v) ?? "null"),
      anyText(30)
    )
    const length = fc.option(fc.oneof(fc.bigInt({ min: 0n, max: 200n }), fc.constantFrom(2n ** 63n, 2n ** 64n - 1n, 100_000_001n)), { nil: undefined })
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 48 }), length, (h, payload, len) => {
        const f = write("safetensors", safetensorsOf(h, payload, len))
        cleanly(f, () => {
          const { entries, metadata } = readSafetensorsHeader(f)
          for (const v of Object.values(metadata)) expect(typeof v).toBe("string")
          readTensorEntries(entries)
        })
      }),
      settings(22, 150)
    )
  })

  it("an index file of any shape reads or fails cleanly", () => {
    const shard = write("safetensors", good)
    const base = shard.slice(dir.length + 1)
    const weightMap = fc.oneof(
      fc.dictionary(fc.oneof(fc.constantFrom("a.weight", "b", "c", "__proto__"), fc.string({ maxLength: 4 })), fc.oneof(fc.constant(base), fc.jsonValue({ maxDepth: 1 })), { maxKeys: 3 }),
      fc.jsonValue({ maxDepth: 2 })
    )
    fc.assert(
      fc.property(fc.oneof(weightMap.map((w) => JSON.stringify({ weight_map: w })), fc.string({ maxLength: 20 })), (text) => {
        const f = write("json", Buffer.from(text))
        // a shard's own problems (a missing one too) name the shard
        cleanly(f, () => readShardedHeaders(f), 1000, (named) => named.startsWith(`${dir}/`))
      }),
      settings(23)
    )
  })
})
