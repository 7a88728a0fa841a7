/**
 * Training state ⇄ checkpoint snapshot. Trainable weights and the two AdamW moments are stored as
 * float32 safetensors blobs (official tensor names), everything else as JSON metadata.
 */
import { encodeSafetensors } from "@zaoji/tensor"

export const concatChunks = (chunks: ReadonlyArray<Uint8Array>): Uint8Array => {
  const total = chunks.reduce((a, c) => a + c.byteLength, 0)
  const out = new Uint8Array(total)
  let off = 0
  for (const c of chunks) {
    out.set(c, off)
    off += c.byteLength
  }
  return out
}

export const encodeF32Blob = (
  tensors: Readonly<Record<string, Float32Array>>,
  shapes: Readonly<Record<string, ReadonlyArray<number>>>
): Uint8Array => {
  const host: Record<string, { shape: ReadonlyArray<number>; data: Float32Array }> = {}
  for (const [n, data] of Object.entries(tensors)) host[n] = { shape: shapes[n] ?? [data.length], data }
  return concatChunks(encodeSafetensors(host))
}

/** Decode an F32 safetensors blob written by `encodeF32Blob` (copies out of the blob). */
export const decodeF32Blob = (bytes: Uint8Array, what: string): Record<string, Float32Array> => {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (bytes.byteLength < 8) throw new Error(`${what}: checkpoint blob truncated`)
  const headerLen = Number(view.getBigUint64(0, true))
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen))) as Record<string, any>
  const base = 8 + headerLen
  const out: Record<string, Float32Array> = {}
  for (const [name, e] of Object.entries(header)) {
    if (name === "__metadata__") continue
    if (e.dtype !== "F32") throw new Error(`${what}: tensor ${name} is ${e.dtype}, expected F32`)
    const [b, end] = e.data_offsets as [number, number]
    if (base + end > bytes.byteLength) throw new Error(`${what}: checkpoint blob truncated at tensor ${name}`)
    const copy = new Uint8Array(end - b)
    copy.set(bytes.subarray(base + b, base + end))
    out[name] = new Float32Array(copy.buffer)
  }
  return out
}
