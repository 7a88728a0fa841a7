/**
 * The few protobuf wire-format pieces a SentencePiece `.model` needs (proto2: varints, fixed32
 * floats, length-delimited strings/messages). Unknown fields are skipped so newer model files load.
 */

export const WireType = { Varint: 0, Fixed64: 1, Bytes: 2, Fixed32: 5 } as const

export class ProtoReader {
  pos = 0
  private readonly view: DataView
  constructor(readonly buf: Uint8Array, private readonly where: string) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  }

  get done(): boolean {
    return this.pos >= this.buf.length
  }

  fail(what: string): never {
    throw new ProtoError(`${this.where} at byte ${this.pos}: ${what}`)
  }

  /** returns the value as a float (exact up to 2^53) and its low 32 bits (for int32/enum) */
  varint(): { value: number; low32: number } {
    let value = 0
    let low32 = 0
    let shift = 0
    for (;;) {
      if (this.pos >= this.buf.length) this.fail("truncated varint")
      const b = this.buf[this.pos++]
      if (shift < 32) low32 |= (b & 0x7f) << shift
      value += (b & 0x7f) * 2 ** shift
      shift += 7
      if ((b & 0x80) === 0) break
      if (shift > 63) this.fail("varint longer than 10 bytes")
    }
    return { value, low32 }
  }

  int32(): number {
    return this.varint().low32 | 0
  }

  bool(): boolean {
    return this.varint().value !== 0
  }

  float(): number {
    if (this.pos + 4 > this.buf.length) this.fail("truncated float")
    const v = this.view.getFloat32(this.pos, true)
    this.pos += 4
    return v
  }

  bytes(): Uint8Array {
    const len = this.varint().value
    if (this.pos + len > this.buf.length) this.fail(`length ${len} runs past the end (${this.buf.length - this.pos} bytes left)`)
    const out = this.buf.subarray(this.pos, this.pos + len)
    this.pos += len
    return out
  }

  string(): string {
    return utf8.decode(this.bytes())
  }

  tag(): { field: number; wire: number } {
    const t = this.varint().value
    return { field: Math.floor(t / 8), wire: t % 8 }
  }

  skip(wire: number): void {
    switch (wire) {
      case WireType.Varint:
        this.varint()
        return
      case WireType.Fixed64:
        this.pos += 8
        break
      case WireType.Bytes:
        this.bytes()
        return
      case WireType.Fixed32:
        this.pos += 4
        break
      default:
        this.fail(`unsupported wire type ${wire}`)
    }
    if (this.pos > this.buf.length) this.fail("truncated field")
  }
}

export class ProtoError extends Error {
  override readonly name = "ProtoError"
}

const utf8 = new TextDecoder("utf-8", { fatal: false })
const utf8Enc = new TextEncoder()

/** Appends fields in the order they are written (callers write them in field-number order). */
export class ProtoWriter {
  private chunks: number[] = []

  private rawVarint(v: number): void {
    // negative int32 values are written as 10-byte two's complement, as protobuf does
    if (v < 0) {
      let lo = v >>> 0
      let hi = 0xffffffff
      for (let i = 0; i < 9; i++) {
        this.chunks.push((lo & 0x7f) | 0x80)
        lo = (lo >>> 7) | ((hi & 0x7f) << 25)
        hi >>>= 7
      }
      this.chunks.push(1)
      return
    }
    while (v >= 0x80) {
      this.chunks.push((v % 0x80) | 0x80)
      v = Math.floor(v / 0x80)
    }
    this.chunks.push(v)
  }

  private tag(field: number, wire: number): void {
    this.rawVarint(field * 8 + wire)
  }

  varint(field: number, v: number): this {
    this.tag(field, WireType.Varint)
    this.rawVarint(v)
    return this
  }

  bool(field: number, v: boolean): this {
    return this.varint(field, v ? 1 : 0)
  }

  float(field: number, v: number): this {
    this.tag(field, WireType.Fixed32)
    const b = new Uint8Array(4)
    new DataView(b.buffer).setFloat32(0, v, true)
    this.chunks.push(...b)
    return this
  }

  bytes(field: number, v: Uint8Array): this {
    this.tag(field, WireType.Bytes)
    this.rawVarint(v.length)
    for (const x of v) this.chunks.push(x)
    return this
  }

  string(field: number, v: string): this {
    return this.bytes(field, utf8Enc.encode(v))
  }

  message(field: number, w: ProtoWriter): this {
    return this.bytes(field, w.finish())
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.chunks)
  }
}
