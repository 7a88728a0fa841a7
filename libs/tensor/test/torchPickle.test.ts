/**
 * The pickle interpreter on pickles torch never writes: each one fails fast, with a
 * `SafetensorsError` (an `InputError` once it reaches a stage) that names the file.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { readTensorEntries, readTorchCheckpoint } from "../src/index.js"
import { MAX_LONG_BYTES, PickleReader } from "../src/torchPickle.js"
import { safetensorsError } from "./safetensorsError.js"
import { int1, long4, op, stateDictPickle, torchArchive } from "./torchArchive.js"

const dir = mkdtempSync(join(tmpdir(), "zaoji-pickle-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const checkpoint = (name: string, pickle: Uint8Array, storages: Record<string, Uint8Array> = {}): string => {
  const f = join(dir, name)
  writeFileSync(f, torchArchive(pickle, storages))
  return f
}
const unpickle = (bytes: Uint8Array): unknown => new PickleReader(Buffer.from(bytes), "x.bin", "archive/data.pkl").run()
const bytes = (...parts: Array<number | Uint8Array>): Buffer => Buffer.concat(parts.map((p) => (typeof p === "number" ? Buffer.from([p]) : Buffer.from(p))))

/**
 * run `fn`, returning its result and the milliseconds it took (the bounds below are loose for busy
 * machines: this linear work takes well under a second, the quadratic decoding took minutes)
 */
const timed = <A>(fn: () => A): { value: A; ms: number } => {
  const t0 = performance.now()
  const value = fn()
  return { value, ms: performance.now() - t0 }
}

describe("crafted pickles", () => {
  it("a hand-built archive of a valid state dict reads back (the builders below are sound)", () => {
    const f = checkpoint("ok.bin", stateDictPickle([{ name: "w", shape: [2, 3] }]), { "0": Buffer.from(new Float32Array([1, 2, 3, 4, 5, 6]).buffer) })
    const entries = readTorchCheckpoint(f)
    expect(Array.from(readTensorEntries(entries).get("w")!.data)).toEqual([1, 2, 3, 4, 5, 6])
  })

  it("decodes LONG1/LONG4 integers as two's complement", () => {
    const le = (n: bigint, width: number): Buffer => {
      const b = Buffer.alloc(width)
      for (let i = 0; i < width; i++) b[i] = Number((BigInt.asUintN(8 * width, n) >> BigInt(8 * i)) & 0xffn)
      return b
    }
    expect(unpickle(bytes(op.PROTO, 2, long4(le(4_294_967_296n, 8)), op.STOP))).toBe(4_294_967_296)
    expect(unpickle(bytes(op.PROTO, 2, long4(le(-3n, 8)), op.STOP))).toBe(-3)
    expect(unpickle(bytes(op.PROTO, 2, op.LONG1, 2, 0xff, 0x7f, op.STOP))).toBe(32767)
    expect(unpickle(bytes(op.PROTO, 2, op.LONG1, 1, 0x80, op.STOP))).toBe(-128)
    expect(unpickle(bytes(op.PROTO, 2, op.LONG1, 0, op.STOP))).toBe(0)
    expect(unpickle(bytes(op.PROTO, 2, long4(le(2n ** 500n, MAX_LONG_BYTES)), op.STOP))).toBe(2 ** 500)
  })

  it("refuses a megabyte-wide LONG4 at once (it took minutes: quadratic decoding)", () => {
    const f = checkpoint("long4.bin", bytes(op.PROTO, 2, long4(Buffer.alloc(1 << 20, 0x41)), op.STOP))
    const { value: e, ms } = timed(() => safetensorsError(() => readTorchCheckpoint(f)))
    expect(ms).toBeLessThan(5000)
    expect(e.kind).toBe("pickle")
    expect(e.message).toContain(f)
    expect(e.message).toMatch(/LONG4 .*1048576-byte integer; a state dict needs at most 64/)
  })

  it("APPENDS after 300,000 DUPs builds the list (it overflowed the call stack)", () => {
    const dups = Buffer.alloc(300_000, op.DUP)
    const pickle = bytes(op.PROTO, 2, op.EMPTY_LIST, op.MARK, op.NONE, dups, op.APPENDS, op.STOP)
    const { value, ms } = timed(() => unpickle(pickle) as unknown[])
    expect(value).toHaveLength(300_001)
    expect(ms).toBeLessThan(5000)
    // as a checkpoint: not a state dict, said briefly (the 300,001 items are not quoted)
    const e = safetensorsError(() => readTorchCheckpoint(checkpoint("dups.bin", pickle)))
    expect([e.kind, e.expected]).toEqual(["format", "a dict of tensor name → tensor"])
    expect(e.message).toContain(join(dir, "dups.bin"))
    expect(e.message.length).toBeLessThan(300)
  })

  it("a length field larger than the pickle is refused before anything is allocated", () => {
    const huge = Buffer.alloc(8)
    huge.writeBigUInt64LE(0xffff_ffff_ffff_fff0n)
    for (const pickle of [
      bytes(op.PROTO, 4, op.BINUNICODE8, huge, op.STOP),
      bytes(op.PROTO, 2, op.BINUNICODE, 0xff, 0xff, 0xff, 0x7f, op.STOP),
      bytes(op.PROTO, 2, op.LONG4, 0xff, 0xff, 0xff, 0xff, op.STOP)
    ]) {
      const e = safetensorsError(() => unpickle(pickle))
      expect(e.kind).toBe("pickle")
      expect(e.message).toMatch(/^x\.bin: archive\/data\.pkl: opcode \w+ at byte 2 claims \d+ bytes, but only \d+ follow$/)
    }
  })

  it("a string of a megabyte is quoted briefly in an error", () => {
    const long = Buffer.alloc(1 << 20, 0x61)
    const len = Buffer.alloc(4)
    len.writeUInt32LE(long.length)
    const e = safetensorsError(() => unpickle(bytes(op.PROTO, 2, op.BINUNICODE, len, long, op.NONE, op.APPEND, op.STOP)))
    expect(e.message).toMatch(/APPEND to "a{59}… \(1048578 characters\), not to a list/)
  })

  it("deep MARK nesting, memo reads before writes, and a pickle without STOP fail cleanly", () => {
    const cases: Array<[Buffer, RegExp]> = [
      [bytes(op.PROTO, 2, Buffer.alloc(1_000_000, op.MARK), op.STOP), /opcode STOP on an empty stack/],
      [bytes(op.PROTO, 2, op.BINGET, 7, op.STOP), /memo slot 7 read before it was written/],
      [bytes(op.PROTO, 2, int1(1)), /ends inside opcode \(opcode\)/],
      [bytes(op.PROTO, 2, op.NONE, op.MARK, op.APPENDS, op.STOP), /APPENDS to null, not to a list/]
    ]
    for (const [pickle, message] of cases) {
      const { value: e, ms } = timed(() => safetensorsError(() => unpickle(pickle)))
      expect(e.message).toMatch(message)
      expect(ms).toBeLessThan(5000)
    }
  })
})
