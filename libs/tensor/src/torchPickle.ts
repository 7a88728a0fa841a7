/**
 * A pickle interpreter for torch state dicts (`data.pkl` of a `torch.save` archive). Pickles can run
 * arbitrary code, so this knows only the opcodes and globals a state dict needs; any other global is
 * refused by name, never looked up. Tensors come out as inert references to storages by key.
 */
import { SafetensorsError, type SafetensorsDtype } from "./safetensors.js"

/**
 * Widest LONG1/LONG4 integer accepted, in bytes. A state dict's integers are sizes, strides, offsets
 * and version numbers (64 bits at most); the limit keeps a hostile pickle from asking for a
 * megabyte-wide integer.
 */
export const MAX_LONG_BYTES = 64

/** A global the pickle named; inert: only the allow-listed ones are ever acted on. */
export class Global {
  constructor(readonly name: string) {}
}

export class StorageRef {
  constructor(
    readonly key: string,
    /** "untyped" for UntypedStorage (its numel counts bytes); undefined for an unsupported type */
    readonly dtype: SafetensorsDtype | "untyped" | undefined,
    readonly typeName: string,
    readonly numel: number
  ) {}
}

export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    /** in elements of the tensor's dtype */
    readonly offset: number,
    readonly shape: ReadonlyArray<number>,
    readonly stride: ReadonlyArray<number>,
    /** set when the dtype is given apart from the storage (`_rebuild_tensor_v3`) */
    readonly dtype?: { readonly name: string; readonly dtype: SafetensorsDtype | undefined }
  ) {}
}

// Maps, not object literals: a name from the pickle must never reach Object.prototype
const storageTypes: ReadonlyMap<string, SafetensorsDtype> = new Map(Object.entries({
  "torch.FloatStorage": "F32",
  "torch.HalfStorage": "F16",
  "torch.BFloat16Storage": "BF16",
  "torch.DoubleStorage": "F64",
  "torch.LongStorage": "I64",
  "torch.IntStorage": "I32",
  "torch.ShortStorage": "I16",
  "torch.CharStorage": "I8",
  "torch.ByteStorage": "U8",
  "torch.BoolStorage": "BOOL"
} as const))
const untypedStorages = new Set(["torch.storage.UntypedStorage", "torch.UntypedStorage"])
const torchDtypes: ReadonlyMap<string, SafetensorsDtype> = new Map(Object.entries({
  "torch.float32": "F32",
  "torch.float16": "F16",
  "torch.bfloat16": "BF16",
  "torch.float64": "F64",
  "torch.int64": "I64",
  "torch.int32": "I32",
  "torch.int16": "I16",
  "torch.int8": "I8",
  "torch.uint8": "U8",
  "torch.bool": "BOOL"
} as const))
const callables = new Set([
  "collections.OrderedDict",
  "torch._utils._rebuild_tensor",
  "torch._utils._rebuild_tensor_v2",
  "torch._utils._rebuild_tensor_v3",
  "torch._utils._rebuild_parameter",
  "torch._utils._rebuild_parameter_with_state"
])
// Other storage types and dtypes (complex, float8, uint16, quantized …) are let through as inert
// names so that the error can name the tensor that uses them instead of only the global.
const otherTorchType = /^torch\.([A-Za-z0-9]+Storage|u?int\d+|float\w*|complex\w*|bits\w*|qu?int\w*)$/

const allowedGlobal = (name: string): boolean =>
  callables.has(name) || storageTypes.has(name) || untypedStorages.has(name) || torchDtypes.has(name) || otherTorchType.test(name)

export class PickleReader {
  private pos = 0
  constructor(private readonly b: Buffer, private readonly file: string, private readonly member: string) {}

  private fail(detail: string, kind: "pickle" | "unsafe" = "pickle"): never {
    throw new SafetensorsError(kind, this.file, `${this.member}: ${detail}`)
  }

  private need(n: number, op: string): number {
    if (this.pos + n > this.b.length) this.fail(`ends inside opcode ${op} at byte ${this.pos}`)
    const at = this.pos
    this.pos += n
    return at
  }

  private line(op: string): string {
    const end = this.b.indexOf(0x0a, this.pos)
    if (end < 0) this.fail(`ends inside opcode ${op} at byte ${this.pos}`)
    const s = this.b.toString("utf8", this.pos, end)
    this.pos = end + 1
    return s
  }

  /** the bytes after a little-endian length of `width` bytes (never more than the pickle holds) */
  private counted(width: 1 | 4 | 8, op: string): Buffer {
    const at = this.need(width, op)
    const n = width === 1 ? this.b.readUInt8(at) : width === 4 ? this.b.readUInt32LE(at) : this.b.readBigUInt64LE(at)
    if (n > this.b.length - this.pos) this.fail(`opcode ${op} at byte ${at - 1} claims ${n} bytes, but only ${this.b.length - this.pos} follow`)
    const from = this.need(Number(n), op)
    return this.b.subarray(from, from + Number(n))
  }

  private long(width: 1 | 4, op: string): number {
    const bytes = this.counted(width, op)
    if (bytes.length > MAX_LONG_BYTES) {
      this.fail(`opcode ${op} at byte ${this.pos - bytes.length - width - 1} holds a ${bytes.length}-byte integer; a state dict needs at most ${MAX_LONG_BYTES}`)
    }
    return longValue(bytes)
  }

  private global(name: string): Global {
    if (!allowedGlobal(name)) {
      this.fail(
        `refusing to load global "${name}": a state dict needs only torch's tensor rebuild functions, storage types, dtypes and collections.OrderedDict ` +
          "(the pickle would run other code if loaded with torch.load)",
        "unsafe"
      )
    }
    return new Global(name)
  }

  private persistent(pid: unknown): StorageRef {
    if (!Array.isArray(pid) || pid[0] !== "storage" || pid.length !== 5 || !(pid[1] instanceof Global)) {
      this.fail(`unsupported persistent id ${describe(pid)}; expected ('storage', storage type, key, location, numel)`)
    }
    const [, type, key, , numel] = pid as [string, Global, unknown, unknown, unknown]
    if ((typeof key !== "string" && typeof key !== "number") || !isCount(numel)) this.fail(`bad storage persistent id ${describe(pid)}`)
    const dtype = untypedStorages.has(type.name) ? "untyped" : storageTypes.get(type.name)
    return new StorageRef(String(key), dtype, type.name, numel)
  }

  private reduce(fn: unknown, args: unknown): unknown {
    if (!(fn instanceof Global) || !callables.has(fn.name) || !Array.isArray(args)) {
      this.fail(`cannot call ${fn instanceof Global ? fn.name : describe(fn)}: only tensor rebuild functions and OrderedDict are callable`, "unsafe")
    }
    switch (fn.name) {
      case "collections.OrderedDict":
        if (args.length !== 0) this.fail("OrderedDict called with arguments; torch writes OrderedDict() and fills it with SETITEMS")
        return new Map()
      case "torch._utils._rebuild_parameter":
      case "torch._utils._rebuild_parameter_with_state":
        if (!(args[0] instanceof TensorRef)) this.fail(`${fn.name} of ${describe(args[0])}, not of a tensor`)
        return args[0]
      default: {
        const [storage, offset, shape, stride] = args
        if (!(storage instanceof StorageRef) || !isCount(offset) || !isCounts(shape) || !isCounts(stride) || shape.length !== stride.length) {
          this.fail(`${fn.name} with unexpected arguments ${describe(args)}`)
        }
        if (fn.name !== "torch._utils._rebuild_tensor_v3") return new TensorRef(storage, offset, shape, stride)
        const dt = args[6]
        if (!(dt instanceof Global)) this.fail(`${fn.name} without a dtype (argument 7 is ${describe(dt)})`)
        return new TensorRef(storage, offset, shape, stride, { name: dt.name, dtype: torchDtypes.get(dt.name) })
      }
    }
  }

  /** The unpickled value; every way the bytes can be wrong is a `SafetensorsError` naming the file. */
  run(): unknown {
    try {
      return this.interpret()
    } catch (e) {
      if (e instanceof SafetensorsError) throw e
      // what the engine itself refuses (a stack past the array limit, a string past V8's longest)
      // is still the file's fault: say where, not only what
      const code = (e as NodeJS.ErrnoException)?.code
      if (e instanceof RangeError || code === "ERR_STRING_TOO_LONG") this.fail(`cannot be read at byte ${this.pos}: ${(e as Error).message}`)
      throw e
    }
  }

  private interpret(): unknown {
    let stack: unknown[] = []
    const marks: unknown[][] = []
    const memo = new Map<number, unknown>()
    const pop = (op: string): unknown => (stack.length > 0 ? stack.pop() : this.fail(`opcode ${op} on an empty stack at byte ${this.pos - 1}`))
    const top = (op: string): unknown => (stack.length > 0 ? stack[stack.length - 1] : this.fail(`opcode ${op} on an empty stack at byte ${this.pos - 1}`))
    const popMark = (op: string): unknown[] => {
      const items = stack
      stack = marks.pop() ?? this.fail(`opcode ${op} without a MARK at byte ${this.pos - 1}`)
      return items
    }
    const setItems = (target: unknown, kv: unknown[], op: string): void => {
      if (!(target instanceof Map)) this.fail(`${op} on ${describe(target)}, not on a dict`)
      for (let i = 0; i + 1 < kv.length; i += 2) target.set(kv[i], kv[i + 1])
    }
    const get = (i: number): unknown => (memo.has(i) ? memo.get(i) : this.fail(`memo slot ${i} read before it was written`))
    for (;;) {
      const op = this.b[this.need(1, "(opcode)")]!
      switch (op) {
        case 0x80: // PROTO
          this.need(1, "PROTO")
          break
        case 0x95: // FRAME: a size hint only
          this.need(8, "FRAME")
          break
        case 0x2e: // STOP
          return pop("STOP")
        case 0x28: // MARK
          marks.push(stack)
          stack = []
          break
        case 0x7d: // EMPTY_DICT
          stack.push(new Map())
          break
        case 0x5d: // EMPTY_LIST
        case 0x29: // EMPTY_TUPLE
          stack.push([])
          break
        case 0x64: // DICT
        case 0x75: { // SETITEMS
          const kv = popMark(op === 0x64 ? "DICT" : "SETITEMS")
          if (op === 0x64) stack.push(new Map())
          setItems(top("SETITEMS"), kv, "SETITEMS")
          break
        }
        case 0x73: { // SETITEM
          const v = pop("SETITEM")
          const k = pop("SETITEM")
          setItems(top("SETITEM"), [k, v], "SETITEM")
          break
        }
        case 0x6c: // LIST
        case 0x74: { // TUPLE
          const items = popMark("TUPLE") // before touching `stack`: popMark replaces it
          stack.push(items)
          break
        }
        case 0x85: // TUPLE1
          stack.push([pop("TUPLE1")])
          break
        case 0x86: { // TUPLE2
          const b = pop("TUPLE2")
          stack.push([pop("TUPLE2"), b])
          break
        }
        case 0x87: { // TUPLE3
          const c = pop("TUPLE3")
          const b = pop("TUPLE3")
          stack.push([pop("TUPLE3"), b, c])
          break
        }
        case 0x61: { // APPEND
          const v = pop("APPEND")
          const list = top("APPEND")
          if (!Array.isArray(list)) this.fail(`APPEND to ${describe(list)}, not to a list`)
          list.push(v)
          break
        }
        case 0x65: { // APPENDS
          const items = popMark("APPENDS")
          const list = top("APPENDS")
          if (!Array.isArray(list)) this.fail(`APPENDS to ${describe(list)}, not to a list`)
          // one at a time: spreading a long MARK run as call arguments overflows the call stack
          for (const item of items) list.push(item)
          break
        }
        case 0x30: // POP
          pop("POP")
          break
        case 0x31: // POP_MARK
          popMark("POP_MARK")
          break
        case 0x32: // DUP
          stack.push(top("DUP"))
          break
        case 0x4e: // NONE
          stack.push(null)
          break
        case 0x88: // NEWTRUE
          stack.push(true)
          break
        case 0x89: // NEWFALSE
          stack.push(false)
          break
        case 0x4b: // BININT1
          stack.push(this.b.readUInt8(this.need(1, "BININT1")))
          break
        case 0x4d: // BININT2
          stack.push(this.b.readUInt16LE(this.need(2, "BININT2")))
          break
        case 0x4a: // BININT
          stack.push(this.b.readInt32LE(this.need(4, "BININT")))
          break
        case 0x8a: // LONG1
          stack.push(this.long(1, "LONG1"))
          break
        case 0x8b: // LONG4
          stack.push(this.long(4, "LONG4"))
          break
        case 0x47: // BINFLOAT (big-endian)
          stack.push(this.b.readDoubleBE(this.need(8, "BINFLOAT")))
          break
        case 0x58: // BINUNICODE
          stack.push(this.counted(4, "BINUNICODE").toString("utf8"))
          break
        case 0x8c: // SHORT_BINUNICODE
          stack.push(this.counted(1, "SHORT_BINUNICODE").toString("utf8"))
          break
        case 0x8d: // BINUNICODE8
          stack.push(this.counted(8, "BINUNICODE8").toString("utf8"))
          break
        case 0x54: // BINSTRING: a Python 2 str, which torch.load decodes as UTF-8
          stack.push(this.counted(4, "BINSTRING").toString("utf8"))
          break
        case 0x55: // SHORT_BINSTRING
          stack.push(this.counted(1, "SHORT_BINSTRING").toString("utf8"))
          break
        case 0x42: // BINBYTES
          stack.push(Uint8Array.from(this.counted(4, "BINBYTES")))
          break
        case 0x43: // SHORT_BINBYTES
          stack.push(Uint8Array.from(this.counted(1, "SHORT_BINBYTES")))
          break
        case 0x63: { // GLOBAL
          const module = this.line("GLOBAL")
          stack.push(this.global(`${module}.${this.line("GLOBAL")}`))
          break
        }
        case 0x93: { // STACK_GLOBAL
          const n = pop("STACK_GLOBAL")
          const m = pop("STACK_GLOBAL")
          if (typeof m !== "string" || typeof n !== "string") this.fail(`STACK_GLOBAL of ${describe([m, n])}`)
          stack.push(this.global(`${m}.${n}`))
          break
        }
        case 0x52: { // REDUCE
          const args = pop("REDUCE")
          stack.push(this.reduce(pop("REDUCE"), args))
          break
        }
        case 0x62: { // BUILD
          pop("BUILD")
          // an OrderedDict's state is the state dict's `_metadata` (module versions): not needed
          const target = top("BUILD")
          if (!(target instanceof Map)) this.fail(`BUILD on ${describe(target)}; only an OrderedDict's state is accepted`)
          break
        }
        case 0x51: // BINPERSID
          stack.push(this.persistent(pop("BINPERSID")))
          break
        case 0x71: // BINPUT
          memo.set(this.b.readUInt8(this.need(1, "BINPUT")), top("BINPUT"))
          break
        case 0x72: // LONG_BINPUT
          memo.set(this.b.readUInt32LE(this.need(4, "LONG_BINPUT")), top("LONG_BINPUT"))
          break
        case 0x94: // MEMOIZE
          memo.set(memo.size, top("MEMOIZE"))
          break
        case 0x68: // BINGET
          stack.push(get(this.b.readUInt8(this.need(1, "BINGET"))))
          break
        case 0x6a: // LONG_BINGET
          stack.push(get(this.b.readUInt32LE(this.need(4, "LONG_BINGET"))))
          break
        default:
          this.fail(`unsupported pickle opcode 0x${op.toString(16).padStart(2, "0")} (${JSON.stringify(String.fromCharCode(op))}) at byte ${this.pos - 1}; a torch state dict does not use it`)
      }
    }
  }
}

/**
 * Little-endian two's complement, as LONG1/LONG4 store it. One hex parse, linear in the width (a
 * BigInt shifted byte by byte copies itself each time: quadratic).
 */
const longValue = (b: Buffer): number => {
  if (b.length === 0) return 0
  let v = BigInt(`0x${Buffer.from(b).reverse().toString("hex")}`)
  if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length)
  return Number(v)
}

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0
const isCounts = (v: unknown): v is number[] => Array.isArray(v) && v.every(isCount)

/** a value for an error message (bounded: a hostile pickle may nest tuples very deep) */
export const describe = (v: unknown, depth = 0): string => {
  if (v instanceof Global) return v.name
  if (v instanceof StorageRef) return `storage ${v.key}`
  if (v instanceof TensorRef) return "a tensor"
  if (v instanceof Map) return "a dict"
  if (Array.isArray(v)) return depth > 2 ? "(…)" : `(${v.slice(0, 8).map((x) => describe(x, depth + 1)).join(", ")}${v.length > 8 ? ", …" : ""})`
  if (v instanceof Uint8Array) return `${v.length} bytes`
  const s = JSON.stringify(v) ?? String(v)
  // a pickle string may be megabytes long: an error message quotes only its start
  return s.length > 80 ? `${s.slice(0, 60)}… (${s.length} characters)` : s
}

