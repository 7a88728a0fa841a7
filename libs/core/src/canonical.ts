import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"

/**
 * JSON with object keys sorted recursively, so two equal configs always hash the same no matter
 * in which order a workflow author wrote their fields.
 */
export const canonicalJson = (value: unknown): string => JSON.stringify(sortKeys(value))

const sortKeys = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(sortKeys)
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(value as object).sort()) {
      const v = (value as Record<string, unknown>)[k]
      if (v !== undefined) out[k] = sortKeys(v)
    }
    return out
  }
  return value
}

export const sha256 = (text: string | Uint8Array): string => createHash("sha256").update(text).digest("hex")

/**
 * Content hash of a file or a whole folder (relative names + contents, sorted), streamed in chunks
 * so large data files do not need to fit in memory.
 */
export const hashPath = (p: string): string => {
  const h = createHash("sha256")
  const visit = (abs: string, rel: string) => {
    const st = fs.statSync(abs)
    if (st.isDirectory()) {
      h.update(`d:${rel}\0`)
      for (const name of fs.readdirSync(abs).sort()) visit(path.join(abs, name), rel ? `${rel}/${name}` : name)
    } else {
      h.update(`f:${rel}:${st.size}\0`)
      const fd = fs.openSync(abs, "r")
      try {
        const buf = Buffer.allocUnsafe(1 << 20)
        let n: number
        while ((n = fs.readSync(fd, buf, 0, buf.length, null)) > 0) h.update(buf.subarray(0, n))
      } finally {
        fs.closeSync(fd)
      }
    }
  }
  visit(p, "")
  return h.digest("hex")
}
