/**
 * How much memory the chosen backend can hold, for refusing a stage that cannot fit before it
 * starts (rather than after hours, or with a device lost halfway). WebGPU does not tell a
 * program how much memory its GPU has, so there `ZAOJI_DEVICE_MEMORY` (e.g. "80GB") says it; a
 * software adapter uses host memory. WASM is bounded by its 4 GiB address space.
 */
import { totalmem } from "node:os"
import type { BackendInfo } from "./backend.js"

/** WebAssembly's 32-bit address space: a tfjs WASM instance never holds more. */
export const WASM_MEMORY_BYTES = 4 * 2 ** 30

const UNITS: Readonly<Record<string, number>> = { "": 1, b: 1, k: 2 ** 10, kb: 2 ** 10, m: 2 ** 20, mb: 2 ** 20, g: 2 ** 30, gb: 2 ** 30, t: 2 ** 40, tb: 2 ** 40 }
const UNIT_FORMS = "bytes, or with KB, MB, GB, TB (powers of 1024), e.g. 80GB"

/** "80GB", "24 g", "1.5TB", "123456" → bytes; a clear error otherwise. */
export const parseBytes = (raw: string, source = "memory size"): number => {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(raw)
  const unit = m === null ? undefined : UNITS[m[2]!.toLowerCase().replace(/ib$/, "b")]
  if (m === null || unit === undefined || !(Number(m[1]) > 0)) throw new Error(`${source}: "${raw}" is not a size; expected ${UNIT_FORMS}`)
  return Math.round(Number(m[1]) * unit)
}

export const formatBytes = (n: number): string =>
  n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(1)} GiB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${Math.round(n / 2 ** 10)} KiB`

export interface MemoryBudget {
  /** bytes the backend's tensors may take, or undefined when nobody can know (a GPU not described) */
  readonly deviceBytes: number | undefined
  /** where that figure comes from, for messages */
  readonly source: string
  /** the host's memory (optimizer state and host copies of weights live there) */
  readonly hostBytes: number
  /** the largest single tensor a kernel may bind (WebGPU's limit; row shards get around it) */
  readonly maxBindingBytes: number | undefined
}

/** The budget of a backend (`backendInfo()`), with `ZAOJI_DEVICE_MEMORY` overriding the device figure. */
export const memoryBudget = (info: BackendInfo, env: NodeJS.ProcessEnv = process.env): MemoryBudget => {
  const hostBytes = totalmem()
  const binding = info.adapter?.limits.maxStorageBufferBindingSize
  const given = env.ZAOJI_DEVICE_MEMORY
  if (given !== undefined && given !== "") {
    return { deviceBytes: parseBytes(given, "ZAOJI_DEVICE_MEMORY"), source: "ZAOJI_DEVICE_MEMORY", hostBytes, maxBindingBytes: binding }
  }
  switch (info.name) {
    case "wasm":
      return { deviceBytes: Math.min(WASM_MEMORY_BYTES, hostBytes), source: "the WASM backend's 4 GiB address space", hostBytes, maxBindingBytes: undefined }
    case "webgpu":
      return info.adapter?.software === true
        ? { deviceBytes: hostBytes, source: "host memory (a software WebGPU adapter)", hostBytes, maxBindingBytes: binding }
        : { deviceBytes: undefined, source: "unknown: WebGPU does not report GPU memory; set ZAOJI_DEVICE_MEMORY (e.g. 80GB)", hostBytes, maxBindingBytes: binding }
    case "tensorflow-gpu":
      return { deviceBytes: undefined, source: "unknown: set ZAOJI_DEVICE_MEMORY to the GPU's memory (e.g. 80GB)", hostBytes, maxBindingBytes: undefined }
    default:
      return { deviceBytes: hostBytes, source: "host memory", hostBytes, maxBindingBytes: undefined }
  }
}
