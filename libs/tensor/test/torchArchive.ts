/**
 * Hand-built `torch.save` archives for tests that need pickles torch would never write: a ZIP of
 * stored members named `<prefix>/…`, laid out as torch lays it out (local headers, then the central
 * directory, then the end record).
 */
import { crc32 } from "node:zlib"

export const zipStored = (members: ReadonlyArray<readonly [string, Uint8Array]>): Buffer => {
  const locals: Buffer[] = []
  const central: Buffer[] = []
  let offset = 0
  for (const [name, data] of members) {
    const n = Buffer.from(name, "utf8")
    const crc = crc32(data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(data.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(n.length, 26)
    locals.push(local, n, Buffer.from(data))
    const c = Buffer.alloc(46)
    c.writeUInt32LE(0x02014b50, 0)
    c.writeUInt16LE(20, 4)
    c.writeUInt16LE(20, 6)
    c.writeUInt32LE(crc, 16)
    c.writeUInt32LE(data.length, 20)
    c.writeUInt32LE(data.length, 24)
    c.writeUInt16LE(n.length, 28)
    c.writeUInt32LE(offset, 42)
    central.push(c, n)
    offset += 30 + n.length + data.length
  }
  const cd = Buffer.concat(central)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(members.length, 8)
  end.writeUInt16LE(members.length, 10)
  end.writeUInt32LE(cd.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, cd, end])
}

/** A torch ≥ 1.6 checkpoint whose `data.pkl` is `pickle` (plus any storages). */
export const torchArchive = (pickle: Uint8Array, storages: Record<string, Uint8Array> = {}): Buffer =>
  zipStored([
    ["archive/data.pkl", pickle],
    ["archive/byteorder", Buffer.from("little")],
    ...Object.entries(storages).map(([k, v]) => [`archive/data/${k}`, v] as const)
  ])

/** Pickle opcodes, by the names `pickletools` gives them. */
export const op = {
  PROTO: 0x80, STOP: 0x2e, MARK: 0x28, EMPTY_DICT: 0x7d, EMPTY_LIST: 0x5d, EMPTY_TUPLE: 0x29, SETITEMS: 0x75,
  SETITEM: 0x73, TUPLE: 0x74, TUPLE1: 0x85, TUPLE2: 0x86, TUPLE3: 0x87, APPEND: 0x61, APPENDS: 0x65, POP: 0x30,
  POP_MARK: 0x31, DUP: 0x32, NONE: 0x4e, NEWTRUE: 0x88, NEWFALSE: 0x89, BININT1: 0x4b, BININT2: 0x4d, BININT: 0x4a,
  LONG1: 0x8a, LONG4: 0x8b, BINFLOAT: 0x47, BINUNICODE: 0x58, SHORT_BINUNICODE: 0x8c, BINUNICODE8: 0x8d,
  BINSTRING: 0x54, SHORT_BINSTRING: 0x55, BINBYTES: 0x42, SHORT_BINBYTES: 0x43, GLOBAL: 0x63, STACK_GLOBAL: 0x93,
  REDUCE: 0x52, BUILD: 0x62, BINPERSID: 0x51, BINPUT: 0x71, LONG_BINPUT: 0x72, MEMOIZE: 0x94, BINGET: 0x68,
  LONG_BINGET: 0x6a, FRAME: 0x95, DICT: 0x64, LIST: 0x6c
} as const

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4)
  b.writeUInt32LE(n)
  return b
}

/** small pickle pieces: short strings, GLOBAL lines, LONG4 integers */
export const str = (s: string): Buffer => {
  const b = Buffer.from(s, "utf8")
  return Buffer.concat([Buffer.from([op.BINUNICODE]), u32(b.length), b])
}
export const global = (module: string, name: string): Buffer => Buffer.from(`${String.fromCharCode(op.GLOBAL)}${module}\n${name}\n`, "latin1")
export const long4 = (bytes: Uint8Array): Buffer => Buffer.concat([Buffer.from([op.LONG4]), u32(bytes.length), Buffer.from(bytes)])
export const int1 = (n: number): Buffer => Buffer.from([op.BININT1, n])

/**
 * A valid state dict pickle as torch writes it (protocol 2): `{name: _rebuild_tensor_v2(storage,
 * 0, shape, stride, False, OrderedDict())}` for float32 storages keyed "0", "1", ….
 */
export const stateDictPickle = (tensors: ReadonlyArray<{ readonly name: string; readonly shape: ReadonlyArray<number> }>): Buffer => {
  const parts: Buffer[] = [Buffer.from([op.PROTO, 2]), global("collections", "OrderedDict"), Buffer.from([op.EMPTY_TUPLE, op.REDUCE, op.MARK])]
  tensors.forEach((t, i) => {
    const numel = t.shape.reduce((a, b) => a * b, 1)
    const stride = t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1))
    const tuple = (items: ReadonlyArray<number>): Buffer => Buffer.concat([Buffer.from([op.MARK]), ...items.map((x) => Buffer.concat([Buffer.from([op.BININT]), u32(x)])), Buffer.from([op.TUPLE])])
    parts.push(
      str(t.name),
      global("torch._utils", "_rebuild_tensor_v2"),
      Buffer.from([op.MARK, op.MARK]),
      str("storage"),
      global("torch", "FloatStorage"),
      str(String(i)),
      str("cpu"),
      Buffer.from([op.BININT]), u32(numel),
      Buffer.from([op.TUPLE, op.BINPERSID]),
      int1(0),
      tuple(t.shape),
      tuple(stride),
      Buffer.from([op.NEWFALSE]),
      global("collections", "OrderedDict"),
      Buffer.from([op.EMPTY_TUPLE, op.REDUCE, op.TUPLE, op.REDUCE])
    )
  })
  parts.push(Buffer.from([op.SETITEMS, op.STOP]))
  return Buffer.concat(parts)
}
