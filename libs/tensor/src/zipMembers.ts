/**
 * The central directory of a ZIP archive whose members are stored uncompressed (what `torch.save`
 * writes), with ZIP64 records (torch writes them always; shards over 4 GiB need them). Only the
 * directory and local headers are read: callers get byte ranges, not data.
 */
import { readSync } from "node:fs"
import { SafetensorsError } from "./safetensors.js"

export const readAt = (fd: number, file: string, pos: number, len: number, what: string): Buffer => {
  const buf = Buffer.alloc(len)
  let got = 0
  while (got < len) {
    const n = readSync(fd, buf, got, len - got, pos + got)
    if (n === 0) break
    got += n
  }
  if (got !== len) throw new SafetensorsError("truncated", file, `file ends inside ${what}`, undefined, `${len} bytes at byte ${pos}`, `${got}`)
  return buf
}


export interface ZipMember {
  readonly name: string
  readonly method: number
  readonly size: number
  readonly headerOffset: number
}

const SIG_EOCD = 0x06054b50
const SIG_ZIP64_LOCATOR = 0x07064b50
const SIG_ZIP64_EOCD = 0x06064b50
const SIG_CENTRAL = 0x02014b50
export const SIG_LOCAL = 0x04034b50
const SATURATED32 = 0xffffffff

const MAX_DIRECTORY_BYTES = 256 * 1024 * 1024

export const u64 = (b: Buffer, at: number, file: string): number => {
  const v = b.readBigUInt64LE(at)
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new SafetensorsError("header", file, `ZIP field at byte ${at} is ${v}, beyond what a file here can hold`)
  return Number(v)
}

export const readZipDirectory = (fd: number, file: string, size: number): Map<string, ZipMember> => {
  // the end record is 22 bytes plus a comment of up to 65535 bytes, preceded by the ZIP64 locator
  const tailLen = Math.min(size, 22 + 0xffff + 20)
  const tail = readAt(fd, file, size - tailLen, tailLen, "the ZIP end record")
  let at = -1
  for (let i = tailLen - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === SIG_EOCD && tail.readUInt16LE(i + 20) === tailLen - i - 22) {
      at = i
      break
    }
  }
  if (at < 0) {
    throw new SafetensorsError(
      "truncated", file, "no ZIP end-of-central-directory record at the end: the file is truncated (an interrupted download?) or damaged",
      undefined, "a complete ZIP archive written by torch.save", `${size} bytes without an end record`
    )
  }
  let count = tail.readUInt16LE(at + 10)
  let cdSize = tail.readUInt32LE(at + 12)
  let cdOffset = tail.readUInt32LE(at + 16)
  if (at >= 20 && tail.readUInt32LE(at - 20) === SIG_ZIP64_LOCATOR) {
    const recAt = u64(tail, at - 20 + 8, file)
    if (recAt + 56 > size) throw new SafetensorsError("truncated", file, "ZIP64 end record lies past the end of the file", undefined, `56 bytes at byte ${recAt}`, `a file of ${size} bytes`)
    const rec = readAt(fd, file, recAt, 56, "the ZIP64 end record")
    if (rec.readUInt32LE(0) !== SIG_ZIP64_EOCD) throw new SafetensorsError("header", file, `no ZIP64 end record at byte ${recAt}, where its locator points`)
    count = u64(rec, 32, file)
    cdSize = u64(rec, 40, file)
    cdOffset = u64(rec, 48, file)
  } else if (count === 0xffff || cdSize === SATURATED32 || cdOffset === SATURATED32) {
    throw new SafetensorsError("header", file, "ZIP end record defers to a ZIP64 record, but there is no ZIP64 locator")
  }
  // 46 bytes per entry plus a name: a million tensors' directory stays well under this
  if (cdSize > MAX_DIRECTORY_BYTES) {
    throw new SafetensorsError("header", file, "ZIP central directory is too large to be a checkpoint's", undefined, `at most ${MAX_DIRECTORY_BYTES} bytes`, `${cdSize}`)
  }
  if (cdOffset + cdSize > size) {
    throw new SafetensorsError("truncated", file, "ZIP central directory lies past the end of the file", undefined, `data up to byte ${cdOffset + cdSize}`, `a file of ${size} bytes`)
  }
  const cd = readAt(fd, file, cdOffset, cdSize, "the ZIP central directory")
  const members = new Map<string, ZipMember>()
  let p = 0
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== SIG_CENTRAL) {
      throw new SafetensorsError("header", file, `ZIP central directory entry ${i} of ${count} is damaged (at byte ${cdOffset + p})`)
    }
    const method = cd.readUInt16LE(p + 10)
    let size32 = cd.readUInt32LE(p + 24)
    const nameLen = cd.readUInt16LE(p + 28)
    const extraLen = cd.readUInt16LE(p + 30)
    const commentLen = cd.readUInt16LE(p + 32)
    let headerOffset = cd.readUInt32LE(p + 42)
    const extraAt = p + 46 + nameLen
    const next = extraAt + extraLen + commentLen
    if (next > cd.length) throw new SafetensorsError("header", file, `ZIP central directory entry ${i} of ${count} runs past the directory`)
    const name = cd.toString("utf8", p + 46, extraAt)
    let compressed = cd.readUInt32LE(p + 20)
    for (let e = extraAt; e + 4 <= extraAt + extraLen;) {
      const id = cd.readUInt16LE(e)
      const len = cd.readUInt16LE(e + 2)
      if (id === 0x0001) {
        // the ZIP64 extra holds, in this order, only the fields whose 32-bit value is saturated
        let q = e + 4
        const take = (): number => {
          if (q + 8 > e + 4 + len) throw new SafetensorsError("header", file, `ZIP64 extra field of member ${name} is too short`)
          const v = u64(cd, q, file)
          q += 8
          return v
        }
        if (size32 === SATURATED32) size32 = take()
        if (compressed === SATURATED32) compressed = take()
        if (headerOffset === SATURATED32) headerOffset = take()
      }
      e += 4 + len
    }
    members.set(name, { name, method, size: size32, headerOffset })
    p = next
  }
  return members
}

/** Byte range of a stored member's data (the local header's own name and extra lengths decide). */
export const memberData = (fd: number, file: string, size: number, m: ZipMember, tensor?: string): { begin: number; end: number } => {
  if (m.method !== 0) {
    throw new SafetensorsError("format", file, `ZIP member ${m.name} is compressed (method ${m.method}); torch.save stores members uncompressed, so the file was repacked`, tensor)
  }
  if (m.headerOffset + 30 > size) {
    throw new SafetensorsError("truncated", file, `ZIP member ${m.name} starts past the end of the file`, tensor, `a local header at byte ${m.headerOffset}`, `a file of ${size} bytes`)
  }
  const h = readAt(fd, file, m.headerOffset, 30, `the local header of ${m.name}`)
  if (h.readUInt32LE(0) !== SIG_LOCAL) throw new SafetensorsError("header", file, `no ZIP local header for member ${m.name} at byte ${m.headerOffset}`, tensor)
  const begin = m.headerOffset + 30 + h.readUInt16LE(26) + h.readUInt16LE(28)
  const end = begin + m.size
  if (end > size) {
    throw new SafetensorsError("truncated", file, `file is truncated: data of ZIP member ${m.name} runs past the end`, tensor, `data up to byte ${end}`, `a file of ${size} bytes`)
  }
  return { begin, end }
}

