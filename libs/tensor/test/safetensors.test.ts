import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync, truncateSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import {
  checkTensorShapes,
  encodeSafetensors,
  floatToHalf,
  halfToFloat,
  readSafetensors,
  readSafetensorsHeader,
  readShardedHeaders,
  readTensorEntries,
  writeSafetensors,
  writeShardedSafetensors,
  type HostTensor
} from "../src/index.js"
import { safetensorsError } from "./safetensorsError.js"

const dir = mkdtempSync(join(tmpdir(), "zaoji-st-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const sample = (): Map<string, HostTensor> =>
  new Map([
    ["a.weight", { shape: [2, 3], data: Float32Array.from([1, -2, 0.5, 3.25, -0.125, 65504]) }],
    ["b.bias", { shape: [4], data: Float32Array.from([0, 1e-3, -7, 100]) }],
    ["scalar", { shape: [], data: Float32Array.from([42]) }]
  ])

const err = safetensorsError

/** a hand-made file: header JSON + payload */
const rawFile = (name: string, header: unknown, payload: Uint8Array): string => {
  let h = Buffer.from(JSON.stringify(header))
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(BigInt(h.length))
  const f = join(dir, name)
  writeFileSync(f, Buffer.concat([len, h, payload]))
  return f
}

describe("safetensors read/write", () => {
  it("round-trips F32 exactly, with the 8-byte aligned header", () => {
    const f = join(dir, "rt.safetensors")
    writeSafetensors(f, sample())
    const bytes = readFileSync(f)
    expect(Number(bytes.readBigUInt64LE(0)) % 8).toBe(0)
    const back = readSafetensors(f)
    for (const [n, t] of sample()) {
      expect(back.get(n)!.shape).toEqual(t.shape)
      expect(Array.from(back.get(n)!.data)).toEqual(Array.from(t.data))
    }
    expect(readSafetensorsHeader(f).metadata.format).toBe("pt")
    // no temp files left behind
    expect(readdirSync(dir).filter((x) => x.endsWith(".tmp"))).toEqual([])
  })

  it("writes and reads F16 and BF16 into float32 (exactly representable values survive)", () => {
    for (const dtype of ["F16", "BF16"] as const) {
      const f = join(dir, `h-${dtype}.safetensors`)
      writeSafetensors(f, sample(), { dtype })
      const h = readSafetensorsHeader(f)
      expect(h.entries.get("a.weight")!.dtype).toBe(dtype)
      expect(h.entries.get("a.weight")!.end - h.entries.get("a.weight")!.begin).toBe(12)
      const back = readSafetensors(f)
      expect(Array.from(back.get("a.weight")!.data.slice(0, 5))).toEqual([1, -2, 0.5, 3.25, -0.125])
    }
    // BF16 rounds to 8 significant bits: 65504 → 65536
    expect(readSafetensors(join(dir, "h-BF16.safetensors")).get("a.weight")!.data[5]).toBe(65536)
    expect(readSafetensors(join(dir, "h-F16.safetensors")).get("a.weight")!.data[5]).toBe(65504)
  })

  it("half conversion rounds to nearest even and handles subnormals/inf", () => {
    expect(halfToFloat(floatToHalf(1 + 2 ** -11))).toBe(1) // tie → even
    expect(halfToFloat(floatToHalf(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9)
    expect(halfToFloat(floatToHalf(2 ** -24))).toBe(2 ** -24)
    expect(halfToFloat(floatToHalf(1e6))).toBe(Infinity)
    expect(halfToFloat(0x3c00)).toBe(1)
    expect(halfToFloat(0xc000)).toBe(-2)
  })

  it("sharded write + index read back", () => {
    const sd = join(dir, "sharded")
    mkdirSync(sd)
    const idx = writeShardedSafetensors(sd, sample(), { maxShardBytes: 16 })
    const index = JSON.parse(readFileSync(idx, "utf8"))
    expect(new Set(Object.values(index.weight_map)).size).toBe(3)
    expect(index.weight_map["a.weight"]).toBe("model-00001-of-00003.safetensors")
    expect(index.metadata.total_size).toBe(4 * (6 + 4 + 1))
    const entries = readShardedHeaders(idx)
    const back = readTensorEntries(entries)
    expect([...back.keys()]).toEqual(["a.weight", "b.bias", "scalar"])
    expect(Array.from(back.get("b.bias")!.data)).toEqual(Array.from(sample().get("b.bias")!.data))
  })
})

describe("safetensors errors name file, tensor, expected and found", () => {
  it("truncated payload", () => {
    const f = join(dir, "trunc.safetensors")
    writeSafetensors(f, sample())
    truncateSync(f, readFileSync(f).length - 3)
    const e = err(() => readSafetensorsHeader(f))
    expect(e.kind).toBe("truncated")
    expect(e.message).toContain(f)
    expect(e.tensor).toBe("scalar")
  })

  it("truncated header", () => {
    const f = join(dir, "trunc-header.safetensors")
    writeSafetensors(f, sample())
    truncateSync(f, 20)
    const e = err(() => readSafetensorsHeader(f))
    expect(e.kind).toBe("truncated")
    expect(e.message).toMatch(/header claims \d+ bytes/)
    const g = join(dir, "tiny.safetensors")
    writeFileSync(g, Buffer.from([1, 2, 3]))
    expect(err(() => readSafetensorsHeader(g)).kind).toBe("truncated")
  })

  it("header lying about sizes", () => {
    const f = rawFile("lies.safetensors", { w: { dtype: "F32", shape: [2, 2], data_offsets: [0, 12] } }, new Uint8Array(16))
    const e = err(() => readSafetensorsHeader(f))
    expect(e.kind).toBe("size")
    expect(e.tensor).toBe("w")
    expect(e.expected).toBe("16 bytes")
    expect(e.found).toContain("12 bytes")
  })

  it("bad JSON and unsupported dtype", () => {
    const len = Buffer.alloc(8)
    len.writeBigUInt64LE(4n)
    const f = join(dir, "badjson.safetensors")
    writeFileSync(f, Buffer.concat([len, Buffer.from("{no ")]))
    expect(err(() => readSafetensorsHeader(f)).kind).toBe("header")
    const g = rawFile("dtype.safetensors", { w: { dtype: "C64", shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8))
    const e = err(() => readSafetensorsHeader(g))
    expect(e.kind).toBe("dtype")
    expect(e.found).toBe("C64")
  })

  it("missing, unexpected and wrongly shaped tensors against expected shapes", () => {
    const f = join(dir, "check.safetensors")
    writeSafetensors(f, sample())
    const h = readSafetensorsHeader(f)
    const expected = { "a.weight": [2, 3], "b.bias": [4], scalar: [] as number[] }
    checkTensorShapes(f, expected, h.entries) // fits
    const miss = err(() => checkTensorShapes(f, { ...expected, "c.weight": [5, 5] }, h.entries))
    expect([miss.kind, miss.tensor, miss.expected]).toEqual(["missing", "c.weight", "shape [5, 5]"])
    const unexp = err(() => checkTensorShapes(f, { "a.weight": [2, 3], scalar: [] }, h.entries))
    expect([unexp.kind, unexp.tensor]).toEqual(["unexpected", "b.bias"])
    checkTensorShapes(f, { "a.weight": [2, 3], scalar: [] }, h.entries, { ignore: (n) => n === "b.bias" })
    const shape = err(() => checkTensorShapes(f, { ...expected, "a.weight": [3, 2] }, h.entries))
    expect([shape.kind, shape.tensor, shape.expected, shape.found]).toEqual(["shape", "a.weight", "[3, 2]", "[2, 3]"])
    expect(shape.message).toContain(f)
  })

  it("an index naming a tensor its shard lacks, or a shard tensor absent from the index", () => {
    const sd = join(dir, "badindex")
    mkdirSync(sd)
    writeSafetensors(join(sd, "s1.safetensors"), sample())
    writeFileSync(join(sd, "idx.json"), JSON.stringify({ weight_map: { "a.weight": "s1.safetensors", "b.bias": "s1.safetensors", scalar: "s1.safetensors", ghost: "s1.safetensors" } }))
    const e = err(() => readShardedHeaders(join(sd, "idx.json")))
    expect([e.kind, e.tensor]).toEqual(["missing", "ghost"])
    writeFileSync(join(sd, "idx2.json"), JSON.stringify({ weight_map: { "a.weight": "s1.safetensors" } }))
    const u = err(() => readShardedHeaders(join(sd, "idx2.json")))
    expect([u.kind, u.tensor]).toEqual(["unexpected", "b.bias"])
    writeFileSync(join(sd, "idx3.json"), JSON.stringify({ nope: 1 }))
    expect(err(() => readShardedHeaders(join(sd, "idx3.json"))).kind).toBe("index")
    expect(existsSync(join(sd, "idx.json"))).toBe(true)
  })

  it("encodes in insertion order with contiguous offsets", () => {
    const chunks = encodeSafetensors(sample())
    const header = JSON.parse(Buffer.from(chunks[1]).toString("utf8"))
    expect(header["a.weight"].data_offsets).toEqual([0, 24])
    expect(header["b.bias"].data_offsets).toEqual([24, 40])
    expect(header["scalar"].data_offsets).toEqual([40, 44])
  })
})
