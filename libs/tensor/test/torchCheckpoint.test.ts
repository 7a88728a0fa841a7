/**
 * PyTorch `.bin` checkpoints, on fixtures written by real torch (fixtures/make_torch_fixtures.py):
 * every dtype, views into shared storages, sharding, ZIP64, and precise refusals.
 */
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import {
  readTensorEntries,
  readTorchCheckpoint,
  readTorchShardedEntries,
  writeSafetensors,
  type TensorEntry
} from "../src/index.js"
import { safetensorsError } from "./safetensorsError.js"

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures", "torch")
const fixture = (...p: string[]) => join(fixtures, ...p)
const dir = mkdtempSync(join(tmpdir(), "zaoji-torch-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Expected {
  readonly dtype: string
  readonly shape: number[]
  readonly values: number[]
}
const expected: Record<string, Record<string, Expected>> = JSON.parse(readFileSync(fixture("expected.json"), "utf8"))

const err = safetensorsError

const expectValues = (entries: ReadonlyMap<string, TensorEntry>, want: Record<string, Expected>): void => {
  expect([...entries.keys()]).toEqual(Object.keys(want))
  const read = readTensorEntries(entries)
  for (const [name, w] of Object.entries(want)) {
    expect({ name, dtype: entries.get(name)!.dtype, shape: entries.get(name)!.shape }).toEqual({ name, dtype: w.dtype, shape: w.shape })
    expect(Array.from(read.get(name)!.data)).toEqual(w.values)
  }
}

/** a copy of a fixture in the temp folder */
const copy = (name: string): string => {
  const f = join(dir, name)
  copyFileSync(fixture(name), f)
  return f
}

describe("PyTorch checkpoints", () => {
  it("reads every supported dtype, parameters, scalars and views as torch saved them", () => {
    const entries = readTorchCheckpoint(fixture("mixed.bin"))
    expectValues(entries, expected["mixed.bin"]!)
    expect(new Set([...entries.values()].map((e) => e.file))).toEqual(new Set([fixture("mixed.bin")]))
  })

  it("points views at their place in the one shared storage (nonzero storage offsets)", () => {
    const e = readTorchCheckpoint(fixture("mixed.bin"))
    const base = e.get("view.base")!
    expect(e.get("view.rows")).toMatchObject({ begin: base.begin + 3 * 4, end: base.begin + 9 * 4, shape: [2, 3] })
    expect(e.get("view.row3")).toMatchObject({ begin: base.begin + 9 * 4, end: base.end, shape: [3] })
    // asking for one view reads just that one
    const one = readTensorEntries(e, ["view.rows"])
    expect([...one.keys()]).toEqual(["view.rows"])
    expect(Array.from(one.get("view.rows")!.data)).toEqual(expected["mixed.bin"]!["view.base"]!.values.slice(3, 9))
  })

  it("reads ZIP64 size and offset fields (as shards over 4 GiB have them)", () => {
    expectValues(readTorchCheckpoint(fixture("zip64.bin")), expected["mixed.bin"]!)
  })

  it("reads a sharded checkpoint through pytorch_model.bin.index.json", () => {
    const entries = readTorchShardedEntries(fixture("sharded", "pytorch_model.bin.index.json"))
    expectValues(entries, expected["sharded"]!)
    expect(entries.get("norm.weight")!.file).toBe(fixture("sharded", "pytorch_model-00002-of-00002.bin"))
  })
})

describe("PyTorch checkpoint errors name file, tensor, expected and found", () => {
  it("a truncated download", () => {
    const f = copy("mixed.bin")
    truncateSync(f, readFileSync(f).length - 200)
    const e = err(() => readTorchCheckpoint(f))
    expect(e.kind).toBe("truncated")
    expect(e.message).toContain(f)
    expect(e.message).toMatch(/truncated/)
    const empty = join(dir, "empty.bin")
    writeFileSync(empty, "")
    expect(err(() => readTorchCheckpoint(empty)).kind).toBe("truncated")
  })

  it("member data running past the end of the file", () => {
    const f = join(dir, "long-member.bin")
    const bytes = readFileSync(fixture("mixed.bin"))
    // the last occurrence of a member name is its central directory entry, 46 bytes in ("data/0":
    // no other member name starts with it)
    const entry = bytes.lastIndexOf(Buffer.from("mixed/data/0")) - 46
    expect(bytes.readUInt32LE(entry)).toBe(0x02014b50)
    bytes.writeUInt32LE(0x7ffffff0, entry + 20)
    bytes.writeUInt32LE(0x7ffffff0, entry + 24)
    writeFileSync(f, bytes)
    const e = err(() => readTorchCheckpoint(f))
    expect([e.kind, e.tensor, e.found]).toEqual(["truncated", "f32.weight", `a file of ${bytes.length} bytes`])
    expect(e.message).toContain("mixed/data/0")
  })

  it("a storage member that is missing", () => {
    const e = err(() => readTorchCheckpoint(fixture("missing-storage.bin")))
    expect([e.kind, e.tensor, e.expected]).toEqual(["missing", "f16.weight", "a member mixed/data/1"])
  })

  it("a pickle naming a global outside the allow-list is refused, naming it", () => {
    const e = err(() => readTorchCheckpoint(fixture("forbidden.bin")))
    expect(e.kind).toBe("unsafe")
    expect(e.message).toContain(fixture("forbidden.bin"))
    expect(e.message).toMatch(/refusing to load global "(posix|nt|os)\.system"/)
  })

  it("a non-contiguous tensor", () => {
    const e = err(() => readTorchCheckpoint(fixture("noncontiguous.bin")))
    expect([e.kind, e.tensor, e.expected, e.found]).toEqual(["layout", "transposed", "strides [2, 1]", "strides [1, 3]"])
    expect(e.message).toMatch(/\.contiguous\(\)/)
  })

  it("an unsupported dtype", () => {
    const e = err(() => readTorchCheckpoint(fixture("uint16.bin")))
    expect([e.kind, e.tensor, e.found]).toEqual(["dtype", "u16", "torch.uint16"])
  })

  it("the legacy format, a big-endian checkpoint, and a file that is no checkpoint", () => {
    const legacy = err(() => readTorchCheckpoint(fixture("legacy.bin")))
    expect(legacy.kind).toBe("format")
    expect(legacy.message).toMatch(/re-save with torch ≥ 1\.6 .*or convert to safetensors/)
    const big = err(() => readTorchCheckpoint(fixture("bigendian.bin")))
    expect([big.kind, big.found]).toEqual(["format", "\"big\""])
    const st = join(dir, "model.safetensors")
    writeSafetensors(st, { w: { shape: [1], data: Float32Array.from([1]) } })
    expect(err(() => readTorchCheckpoint(st)).kind).toBe("format")
    expect(err(() => readTorchCheckpoint(join(dir, "nowhere.bin"))).kind).toBe("io")
  })

  it("a missing shard, and an index that disagrees with its shards", () => {
    const sd = join(dir, "sharded")
    cpSync(fixture("sharded"), sd, { recursive: true })
    const index = join(sd, "pytorch_model.bin.index.json")
    const map = JSON.parse(readFileSync(index, "utf8"))
    writeFileSync(index, JSON.stringify({ ...map, weight_map: { ...map.weight_map, ghost: "pytorch_model-00001-of-00002.bin" } }))
    const ghost = err(() => readTorchShardedEntries(index))
    expect([ghost.kind, ghost.tensor, ghost.file]).toEqual(["missing", "ghost", join(sd, "pytorch_model-00001-of-00002.bin")])
    const { "norm.weight": _dropped, ...rest } = map.weight_map
    writeFileSync(index, JSON.stringify({ ...map, weight_map: rest }))
    expect([err(() => readTorchShardedEntries(index)).kind, err(() => readTorchShardedEntries(index)).tensor]).toEqual(["unexpected", "norm.weight"])
    writeFileSync(index, JSON.stringify(map))
    rmSync(join(sd, "pytorch_model-00002-of-00002.bin"))
    const gone = err(() => readTorchShardedEntries(index))
    expect([gone.kind, gone.tensor, gone.file]).toEqual(["missing", "layers.1.weight", join(sd, "pytorch_model-00002-of-00002.bin")])
    expect(gone.message).toMatch(/shard named in pytorch_model\.bin\.index\.json does not exist/)
  })
})
