/**
 * Hugging Face safetensors: read (single file or sharded with `*.safetensors.index.json`) and write
 * (atomic: temp file + rename). F32, F16 and BF16 payloads read into float32. Every structural
 * problem is a `SafetensorsError` naming the file, the tensor, and what was expected vs found.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, renameSync, writeSync, fsyncSync, unlinkSync } from "node:fs"
import { basename, dirname, join } from "node:path"
import { decodeBF16, decodeF16, encodeBF16, encodeF16 } from "./half.js"
import { fmtShape, numel } from "./shapes.js"

export type SafetensorsDtype = "F32" | "F16" | "BF16" | "F64" | "I64" | "I32" | "I16" | "I8" | "U8" | "BOOL"

export const dtypeBytes: Readonly<Record<SafetensorsDtype, number>> = {
  F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1
}

/** `format`, `pickle`, `unsafe` and `layout` come from PyTorch checkpoints (see torchCheckpoint.ts). */
export type SafetensorsErrorKind =
  | "io" | "truncated" | "header" | "size" | "dtype" | "missing" | "unexpected" | "shape" | "index"
  | "format" | "pickle" | "unsafe" | "layout"

export class SafetensorsError extends Error {
  constructor(
    readonly kind: SafetensorsErrorKind,
    readonly file: string,
    readonly detail: string,
    readonly tensor?: string,
    readonly expected?: string,
    readonly found?: string
  ) {
    super(
      `${file}${tensor !== undefined ? ` (tensor "${tensor}")` : ""}: ${detail}` +
        (expected !== undefined ? `; expected ${expected}, found ${found ?? "nothing"}` : "")
    )
    this.name = "SafetensorsError"
  }
}

export interface TensorEntry {
  readonly name: string
  readonly dtype: SafetensorsDtype
  readonly shape: ReadonlyArray<number>
  /** absolute byte offsets in the file */
  readonly begin: number
  readonly end: number
  readonly file: string
}

export interface SafetensorsHeader {
  readonly file: string
  readonly metadata: Readonly<Record<string, string>>
  readonly entries: ReadonlyMap<string, TensorEntry>
}

export interface HostTensor {
  readonly shape: ReadonlyArray<number>
  readonly data: Float32Array
}


/** The safetensors format's own bound on the JSON header (the reference implementation's MAX_HEADER_SIZE). */
export const MAX_HEADER_BYTES = 100_000_000

/** Run `fn` on an open weights file and its size, closing it after; an unopenable file is an `io` error. */
export const withWeightsFile = <A>(file: string, fn: (fd: number, size: number) => A): A => {
  let fd: number
  try {
    fd = openSync(file, "r")
  } catch (e) {
    throw new SafetensorsError("io", file, `cannot open: ${(e as Error).message}`)
  }
  try {
    return fn(fd, fstatSync(fd).size)
  } finally {
    closeSync(fd)
  }
}

/** Parse and validate the header of one safetensors file (payload bytes are not read). */
export const readSafetensorsHeader = (file: string): SafetensorsHeader =>
  withWeightsFile(file, (fd, size) => {
    if (size < 8) throw new SafetensorsError("truncated", file, `file is ${size} bytes, shorter than the 8-byte header length`)
    const lenBuf = Buffer.alloc(8)
    readSync(fd, lenBuf, 0, 8, 0)
    const headerLen = Number(lenBuf.readBigUInt64LE(0))
    if (headerLen > MAX_HEADER_BYTES && 8 + headerLen <= size) {
      throw new SafetensorsError("header", file, "header is too large", undefined, `at most ${MAX_HEADER_BYTES} bytes (the limit of the safetensors format)`, `${headerLen}`)
    }
    if (8 + headerLen > size) {
      throw new SafetensorsError("truncated", file, `header claims ${headerLen} bytes but the file has only ${size - 8} after the length field`)
    }
    const hb = Buffer.alloc(headerLen)
    readSync(fd, hb, 0, headerLen, 8)
    let json: unknown
    try {
      json = JSON.parse(hb.toString("utf8"))
    } catch (e) {
      throw new SafetensorsError("header", file, `header is not valid JSON (${(e as Error).message})`)
    }
    if (typeof json !== "object" || json === null || Array.isArray(json)) {
      throw new SafetensorsError("header", file, "header is not a JSON object")
    }
    const base = 8 + headerLen
    const entries = new Map<string, TensorEntry>()
    let metadata: Record<string, string> = {}
    for (const [name, raw] of Object.entries(json as Record<string, any>)) {
      if (name === "__metadata__") {
        if (raw === null) continue
        if (typeof raw !== "object" || Array.isArray(raw) || Object.values(raw).some((v) => typeof v !== "string")) {
          throw new SafetensorsError("header", file, "bad __metadata__", undefined, "an object of strings", describeJson(raw))
        }
        metadata = raw
        continue
      }
      const dtype = raw?.dtype as SafetensorsDtype
      // own keys only: "toString" is `in` every object
      if (typeof dtype !== "string" || !Object.hasOwn(dtypeBytes, dtype)) {
        throw new SafetensorsError("dtype", file, "unsupported dtype", name, Object.keys(dtypeBytes).join("|"), typeof dtype === "string" ? dtype : describeJson(dtype))
      }
      const shape = raw?.shape
      const offs = raw?.data_offsets
      if (!Array.isArray(shape) || !shape.every((d: unknown) => Number.isSafeInteger(d) && (d as number) >= 0)) {
        throw new SafetensorsError("header", file, "bad shape", name, "an array of non-negative integers", describeJson(shape))
      }
      if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((d: unknown) => Number.isSafeInteger(d) && (d as number) >= 0) || offs[1] < offs[0]) {
        throw new SafetensorsError("header", file, "bad data_offsets", name, "[begin, end] with 0 ≤ begin ≤ end", describeJson(offs))
      }
      const need = numel(shape) * dtypeBytes[dtype]
      if (offs[1] - offs[0] !== need) {
        throw new SafetensorsError(
          "size", file, `header size mismatch: ${dtype} ${fmtShape(shape)} needs ${need} bytes`, name,
          `${need} bytes`, `data_offsets spanning ${offs[1] - offs[0]} bytes`
        )
      }
      if (base + offs[1] > size) {
        throw new SafetensorsError(
          "truncated", file, "file is truncated", name,
          `data up to byte ${base + offs[1]}`, `a file of ${size} bytes`
        )
      }
      entries.set(name, { name, dtype, shape, begin: base + offs[0], end: base + offs[1], file })
    }
    return { file, metadata, entries }
  })

const decode = (entry: TensorEntry, bytes: Uint8Array): Float32Array => {
  const n = numel(entry.shape)
  switch (entry.dtype) {
    case "F32": {
      const out = new Float32Array(n)
      new Uint8Array(out.buffer).set(bytes)
      return out
    }
    case "F16":
      return decodeF16(bytes)
    case "BF16":
      return decodeBF16(bytes)
    case "F64":
      return Float32Array.from(new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)))
    case "I64": {
      const src = new BigInt64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
      return Float32Array.from(src, (v) => Number(v))
    }
    case "I32":
      return Float32Array.from(new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)))
    case "I16":
      return Float32Array.from(new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)))
    case "I8":
      return Float32Array.from(new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength))
    case "U8":
    case "BOOL":
      return Float32Array.from(bytes)
  }
}

/**
 * Rows `[rowStart, rowStart + rowCount)` of one tensor entry (the whole tensor by default) as
 * float32, read straight from its file: the only host copy is the float32 result of this range, so
 * a loader can move a model to the device tensor by tensor, or row shard by row shard.
 */
export const readEntryRows = (entry: TensorEntry, rowStart = 0, rowCount: number = (entry.shape[0] ?? 1) - rowStart): Float32Array => {
  const rows = entry.shape.length === 0 ? 1 : entry.shape[0]!
  if (!Number.isInteger(rowStart) || !Number.isInteger(rowCount) || rowStart < 0 || rowCount < 0 || rowStart + rowCount > rows) {
    throw new SafetensorsError("size", entry.file, `rows [${rowStart}, ${rowStart + rowCount}) outside the tensor's ${rows} rows`, entry.name)
  }
  const rowBytes = (entry.end - entry.begin) / rows
  const bytes = Buffer.alloc(rowCount * rowBytes)
  withWeightsFile(entry.file, (fd) => {
    let got = 0
    while (got < bytes.length) {
      const n = readSync(fd, bytes, got, bytes.length - got, entry.begin + rowStart * rowBytes + got)
      if (n === 0) throw new SafetensorsError("truncated", entry.file, "short read", entry.name, `${bytes.length} bytes`, `${got}`)
      got += n
    }
  })
  return decode({ ...entry, shape: [rowCount, ...entry.shape.slice(1)] }, bytes)
}

/** Read the named tensors (default: all) of one file as float32. */
export const readSafetensors = (
  file: string,
  names?: ReadonlyArray<string>
): Map<string, HostTensor> => {
  const header = readSafetensorsHeader(file)
  return readEntries(header, names ?? [...header.entries.keys()])
}

const readEntries = (header: SafetensorsHeader, names: ReadonlyArray<string>): Map<string, HostTensor> => {
  const out = new Map<string, HostTensor>()
  const fd = openSync(header.file, "r")
  try {
    for (const name of names) {
      const e = header.entries.get(name)
      if (e === undefined) throw new SafetensorsError("missing", header.file, "tensor not in file", name)
      const buf = Buffer.alloc(e.end - e.begin)
      const got = readSync(fd, buf, 0, buf.length, e.begin)
      if (got !== buf.length) {
        throw new SafetensorsError("truncated", header.file, "short read", name, `${buf.length} bytes`, `${got}`)
      }
      out.set(name, { shape: e.shape, data: decode(e, buf) })
    }
  } finally {
    closeSync(fd)
  }
  return out
}

/** a JSON value from a damaged file, short enough for an error message */
const describeJson = (v: unknown): string => {
  const s = typeof v === "object" && v !== null && !Array.isArray(v) ? `an object with keys ${JSON.stringify(Object.keys(v))}` : JSON.stringify(v) ?? String(v)
  return s.length > 80 ? `${s.slice(0, 60)}… (${s.length} characters)` : s
}

export interface SafetensorsIndex {
  readonly metadata?: Record<string, unknown>
  readonly weight_map: Record<string, string>
}

/**
 * Entries of every shard named by a Hugging Face index file (`weight_map`: tensor → shard file),
 * whatever the shard format: each listed tensor must be in its shard and each shard tensor listed.
 */
export const readShardedEntries = (
  indexFile: string,
  readShard: (file: string) => ReadonlyMap<string, TensorEntry>
): Map<string, TensorEntry> => {
  let index: SafetensorsIndex
  try {
    index = JSON.parse(readFileSync(indexFile, "utf8"))
  } catch (e) {
    throw new SafetensorsError("index", indexFile, `cannot read index: ${(e as Error).message}`)
  }
  if (typeof index?.weight_map !== "object" || index.weight_map === null || Array.isArray(index.weight_map)) {
    throw new SafetensorsError("index", indexFile, "missing field", undefined, "\"weight_map\": {tensor: shard file}", describeJson(index))
  }
  const dir = dirname(indexFile)
  const shards = new Map<string, ReadonlyMap<string, TensorEntry>>()
  const all = new Map<string, TensorEntry>()
  for (const [name, shard] of Object.entries(index.weight_map)) {
    if (typeof shard !== "string" || shard === "") {
      throw new SafetensorsError("index", indexFile, "bad weight_map entry", name, "a shard file name", describeJson(shard))
    }
    const file = join(dir, shard)
    let entries = shards.get(file)
    if (entries === undefined) {
      // a half-finished download usually lacks whole shards: say so rather than "cannot open"
      if (!existsSync(file)) throw new SafetensorsError("missing", file, `shard named in ${basename(indexFile)} does not exist`, name)
      entries = readShard(file)
      shards.set(file, entries)
    }
    const e = entries.get(name)
    if (e === undefined) throw new SafetensorsError("missing", file, `tensor listed in ${basename(indexFile)} is not in its shard`, name)
    all.set(name, e)
  }
  for (const [file, entries] of shards) {
    for (const name of entries.keys()) {
      if (!all.has(name)) throw new SafetensorsError("unexpected", file, `tensor is in the shard but not in ${basename(indexFile)}`, name)
    }
  }
  return all
}

/** Headers of every safetensors shard named by an index file. */
export const readShardedHeaders = (indexFile: string): Map<string, TensorEntry> =>
  readShardedEntries(indexFile, (file) => readSafetensorsHeader(file).entries)

/** Read tensors from entries (possibly spread over several shard files). */
export const readTensorEntries = (entries: ReadonlyMap<string, TensorEntry>, names?: ReadonlyArray<string>): Map<string, HostTensor> => {
  const byFile = new Map<string, string[]>()
  for (const name of names ?? [...entries.keys()]) {
    const e = entries.get(name)
    if (e === undefined) throw new SafetensorsError("missing", "(entries)", "tensor not found", name)
    const list = byFile.get(e.file) ?? []
    list.push(name)
    byFile.set(e.file, list)
  }
  const out = new Map<string, HostTensor>()
  for (const [file, list] of byFile) {
    const sub = new Map([...list].map((n) => [n, entries.get(n)!] as const))
    for (const [n, t] of readEntries({ file, metadata: {}, entries: sub }, list)) out.set(n, t)
  }
  // keep the caller's order
  const ordered = new Map<string, HostTensor>()
  for (const name of names ?? [...entries.keys()]) ordered.set(name, out.get(name)!)
  return ordered
}

/**
 * Check found tensors against the expected names and shapes. `ignore` names tensors that may be
 * present without being expected (e.g. `rotary_emb.inv_freq` buffers of real checkpoints).
 */
export const checkTensorShapes = (
  file: string,
  expected: Readonly<Record<string, ReadonlyArray<number>>>,
  found: ReadonlyMap<string, { readonly shape: ReadonlyArray<number> }>,
  options: { readonly ignore?: (name: string) => boolean; readonly allowMissing?: (name: string) => boolean } = {}
): void => {
  for (const [name, shape] of Object.entries(expected)) {
    const f = found.get(name)
    if (f === undefined) {
      if (options.allowMissing?.(name)) continue
      throw new SafetensorsError("missing", file, "missing tensor", name, `shape ${fmtShape(shape)}`, "no such tensor")
    }
    if (f.shape.length !== shape.length || f.shape.some((d, i) => d !== shape[i])) {
      throw new SafetensorsError("shape", file, "shape does not fit the config", name, fmtShape(shape), fmtShape(f.shape))
    }
  }
  for (const name of found.keys()) {
    if (!Object.hasOwn(expected, name) && !options.ignore?.(name)) {
      throw new SafetensorsError("unexpected", file, "unexpected tensor (not part of this model's config)", name)
    }
  }
}

export type WriteDtype = "F32" | "F16" | "BF16"

const encode = (data: Float32Array, dtype: WriteDtype): Uint8Array =>
  dtype === "F32" ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : dtype === "F16" ? encodeF16(data) : encodeBF16(data)

/** Bytes of a safetensors file holding `tensors` in insertion order. */
export const encodeSafetensors = (
  tensors: ReadonlyMap<string, HostTensor> | Readonly<Record<string, HostTensor>>,
  options: { readonly dtype?: WriteDtype; readonly metadata?: Readonly<Record<string, string>> } = {}
): Uint8Array[] => {
  const dtype = options.dtype ?? "F32"
  const list = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors)
  const header: Record<string, unknown> = { __metadata__: { format: "pt", ...(options.metadata ?? {}) } }
  const blobs: Uint8Array[] = []
  let off = 0
  for (const [name, t] of list) {
    if (t.data.length !== numel(t.shape)) {
      throw new Error(`tensor "${name}": ${t.data.length} values do not fill shape ${fmtShape(t.shape)}`)
    }
    const b = encode(t.data, dtype)
    header[name] = { dtype, shape: [...t.shape], data_offsets: [off, off + b.byteLength] }
    blobs.push(b)
    off += b.byteLength
  }
  let h = Buffer.from(JSON.stringify(header), "utf8")
  const pad = (8 - (h.length % 8)) % 8
  if (pad > 0) h = Buffer.concat([h, Buffer.alloc(pad, 0x20)])
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(BigInt(h.length))
  return [len, h, ...blobs]
}

/** Write chunks to `file` atomically (temp file, fsync, rename). */
export const writeFileAtomic = (file: string, chunks: ReadonlyArray<Uint8Array>): void => {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`)
  const fd = openSync(tmp, "w")
  try {
    for (const c of chunks) {
      let written = 0
      while (written < c.byteLength) written += writeSync(fd, c, written, c.byteLength - written)
    }
    fsyncSync(fd)
  } catch (e) {
    closeSync(fd)
    try { unlinkSync(tmp) } catch { /* already gone */ }
    throw e
  }
  closeSync(fd)
  renameSync(tmp, file)
}

export const writeSafetensors = (
  file: string,
  tensors: ReadonlyMap<string, HostTensor> | Readonly<Record<string, HostTensor>>,
  options: { readonly dtype?: WriteDtype; readonly metadata?: Readonly<Record<string, string>> } = {}
): void => writeFileAtomic(file, encodeSafetensors(tensors, options))

/**
 * Write `tensors` as `<base>-0000i-of-0000n.safetensors` shards of at most `maxShardBytes` plus
 * `<base>.safetensors.index.json` (the Hugging Face layout). Returns the index file path.
 */
export const writeShardedSafetensors = (
  dir: string,
  tensors: ReadonlyMap<string, HostTensor>,
  options: { readonly maxShardBytes: number; readonly base?: string; readonly dtype?: WriteDtype }
): string => {
  const base = options.base ?? "model"
  const dtype = options.dtype ?? "F32"
  const bytesPer = dtype === "F32" ? 4 : 2
  const groups: Array<Map<string, HostTensor>> = []
  let cur = new Map<string, HostTensor>()
  let curBytes = 0
  for (const [name, t] of tensors) {
    const b = t.data.length * bytesPer
    if (cur.size > 0 && curBytes + b > options.maxShardBytes) {
      groups.push(cur)
      cur = new Map()
      curBytes = 0
    }
    cur.set(name, t)
    curBytes += b
  }
  if (cur.size > 0) groups.push(cur)
  const n = groups.length
  const pad = (i: number) => String(i).padStart(5, "0")
  const weightMap: Record<string, string> = {}
  let total = 0
  groups.forEach((g, i) => {
    const shard = `${base}-${pad(i + 1)}-of-${pad(n)}.safetensors`
    writeSafetensors(join(dir, shard), g, { dtype })
    for (const [name, t] of g) {
      weightMap[name] = shard
      total += t.data.length * bytesPer
    }
  })
  const indexFile = join(dir, `${base}.safetensors.index.json`)
  writeFileAtomic(indexFile, [Buffer.from(JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2))])
  return indexFile
}
