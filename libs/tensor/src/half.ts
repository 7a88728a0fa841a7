/** IEEE half (F16) and bfloat16 (BF16) ⇄ float32 conversions for safetensors payloads. */

const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)

export const halfToFloat = (h: number): number => {
  const sign = h & 0x8000 ? -1 : 1
  const exp = (h >> 10) & 0x1f
  const frac = h & 0x3ff
  if (exp === 0) return sign * frac * 2 ** -24
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN
  return sign * (1 + frac / 1024) * 2 ** (exp - 15)
}

/** float32 → half, round to nearest even (as numpy/PyTorch do). */
export const floatToHalf = (value: number): number => {
  f32[0] = value
  const x = u32[0]
  const sign = (x >>> 16) & 0x8000
  const exp = (x >>> 23) & 0xff
  let mant = x & 0x7fffff
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0)
  let e = exp - 127 + 15
  if (e >= 0x1f) return sign | 0x7c00
  if (e <= 0) {
    if (e < -10) return sign
    mant |= 0x800000
    const shift = 14 - e
    let half = mant >>> shift
    const rem = mant & ((1 << shift) - 1)
    const mid = 1 << (shift - 1)
    if (rem > mid || (rem === mid && (half & 1))) half++
    return sign | half
  }
  let half = (e << 10) | (mant >>> 13)
  const rem = mant & 0x1fff
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1))) half++
  return sign | half
}

export const decodeF16 = (bytes: Uint8Array): Float32Array => {
  const n = bytes.byteLength >>> 1
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) out[i] = halfToFloat(dv.getUint16(2 * i, true))
  return out
}

export const decodeBF16 = (bytes: Uint8Array): Float32Array => {
  const n = bytes.byteLength >>> 1
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out = new Float32Array(n)
  const bits = new Uint32Array(out.buffer)
  for (let i = 0; i < n; i++) bits[i] = dv.getUint16(2 * i, true) << 16
  return out
}

export const encodeF16 = (data: Float32Array): Uint8Array => {
  const out = new Uint8Array(data.length * 2)
  const dv = new DataView(out.buffer)
  for (let i = 0; i < data.length; i++) dv.setUint16(2 * i, floatToHalf(data[i]), true)
  return out
}

/** float32 → bfloat16 with round to nearest even. */
export const encodeBF16 = (data: Float32Array): Uint8Array => {
  const out = new Uint8Array(data.length * 2)
  const dv = new DataView(out.buffer)
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length)
  for (let i = 0; i < data.length; i++) {
    const x = bits[i]
    const rounded = ((x >>> 23) & 0xff) === 0xff ? x : x + 0x7fff + ((x >>> 16) & 1)
    dv.setUint16(2 * i, rounded >>> 16, true)
  }
  return out
}
