/**
 * The WebGPU backend in Node: tfjs-backend-webgpu on Dawn (`webgpu` on npm, which ships `dawn.node`),
 * through whatever Vulkan (Metal, D3D12) driver the machine has.
 *
 * We create the device ourselves instead of letting tfjs do it, for three reasons:
 * - the adapter's own `maxStorageBufferBindingSize` / `maxBufferSize` are requested (WebGPU grants
 *   only the 128 MiB / 256 MiB defaults unless asked), so big weight matrices bind where they can;
 * - a software adapter (Mesa's lavapipe, SwiftShader) is told apart from a GPU, so the automatic
 *   choice never lands on a CPU emulation of a GPU;
 * - every WebGPU error becomes a thrown `GpuError`. Dawn reports validation and out-of-memory errors
 *   asynchronously and otherwise only prints them: a bind group over the binding limit makes the
 *   kernel's output silently zero. Bindings over the limit are refused before dispatch; every
 *   dispatch and read runs inside error scopes, and the first error is thrown at the next dispatch
 *   or read; a lost device fails every later call.
 */
import * as tf from "@tensorflow/tfjs"
import type { BackendValues } from "@tensorflow/tfjs-core"

/** What the logs and manifests say about the adapter. */
export interface AdapterSummary {
  readonly vendor: string
  readonly architecture: string
  readonly device: string
  readonly description: string
  /** a CPU implementation of the API (lavapipe, SwiftShader, WARP): correct, but slow */
  readonly software: boolean
  readonly limits: {
    readonly maxStorageBufferBindingSize: number
    readonly maxBufferSize: number
    readonly maxComputeWorkgroupStorageSize: number
    readonly maxComputeWorkgroupsPerDimension: number
  }
}

/** A WebGPU failure, with where it happened and what was asked for. */
export class GpuError extends Error {
  constructor(
    message: string,
    readonly detail: {
      readonly stage: string
      readonly kernel?: string
      readonly shape?: ReadonlyArray<number>
      readonly bytes?: number
      readonly kind: "binding-too-large" | "validation" | "out-of-memory" | "internal" | "device-lost" | "sync-read"
    }
  ) {
    super(message)
    this.name = "GpuError"
  }
}

const fmtBytes = (n: number): string =>
  n >= 2 ** 30 ? `${(n / 2 ** 30).toFixed(2)} GiB` : n >= 2 ** 20 ? `${(n / 2 ** 20).toFixed(1)} MiB` : `${n} bytes`

const fmtShape = (shape: ReadonlyArray<number>): string => `[${shape.join(", ")}]`

let stageLabel = "tensor work"

/**
 * Run `fn` with `label` naming the work on the GPU (a workflow stage, a test case): every GpuError
 * says it; the previous name is restored afterwards.
 */
export const withGpuStage = async <A>(label: string, fn: () => A | Promise<A>): Promise<A> => {
  const previous = stageLabel
  stageLabel = label
  try {
    return await fn()
  } finally {
    stageLabel = previous
  }
}

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|software|microsoft basic render|warp/i

/**
 * Whether an adapter is a software rasteriser. Dawn marks it with `isFallbackAdapter` (on the info
 * object in current Dawn, on the adapter in older ones) and an architecture of "software"; the
 * name check also catches drivers that do neither.
 */
export const isSoftwareAdapter = (adapter: { readonly info?: unknown; readonly isFallbackAdapter?: boolean }): boolean => {
  const info = (adapter.info ?? {}) as Record<string, unknown>
  if (adapter.isFallbackAdapter === true || info.isFallbackAdapter === true) return true
  if (info.type === "cpu" || info.adapterType === "cpu") return true
  const text = ["vendor", "architecture", "device", "description"].map((k) => String(info[k] ?? "")).join(" ")
  return SOFTWARE.test(text)
}

const summarize = (adapter: GPUAdapter): AdapterSummary => {
  const info = (adapter.info ?? {}) as unknown as Record<string, unknown>
  const s = (k: string) => String(info[k] ?? "")
  return {
    vendor: s("vendor"),
    architecture: s("architecture"),
    device: s("device"),
    description: s("description"),
    software: isSoftwareAdapter(adapter as never),
    limits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
      maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: adapter.limits.maxComputeWorkgroupsPerDimension
    }
  }
}

/** One line for the backend notice: "mesa software (llvmpipe …), binding ≤ 128.0 MiB, buffer ≤ 4.00 GiB". */
export const describeAdapter = (a: AdapterSummary): string => {
  const name = [a.vendor, a.architecture].filter((x) => x !== "").join(" ") || "unnamed adapter"
  const dev = a.device !== "" ? ` (${a.device})` : ""
  const soft = a.software && !/software/i.test(name) ? ", software" : ""
  return `${name}${dev}${soft}, binding ≤ ${fmtBytes(a.limits.maxStorageBufferBindingSize)}, buffer ≤ ${fmtBytes(a.limits.maxBufferSize)}`
}

interface Dawn {
  readonly gpu: GPU
}

let dawn: Promise<Dawn> | undefined

/**
 * Load Dawn once and expose what tfjs-backend-webgpu expects of a browser: the WebGPU constants as
 * globals and `navigator.gpu`. The tfjs package is imported before `navigator.gpu` exists, so it
 * registers its kernels but not its own device factory (ours replaces it).
 */
const loadDawn = (): Promise<Dawn> => {
  dawn ??= (async () => {
    const { create, globals } = await import("webgpu")
    Object.assign(globalThis, globals)
    await import("@tensorflow/tfjs-backend-webgpu")
    const gpu = create([])
    const g = globalThis as { navigator?: object }
    const nav = g.navigator ?? {}
    Object.defineProperty(nav, "gpu", { value: gpu, configurable: true })
    if (g.navigator === undefined) Object.defineProperty(globalThis, "navigator", { value: nav, configurable: true, writable: true })
    return { gpu }
  })()
  return dawn
}

/** The adapter Dawn offers (high-performance preference), or why there is none. */
export const probeAdapter = async (): Promise<{ adapter: GPUAdapter; summary: AdapterSummary } | { reason: string }> => {
  let d: Dawn
  try {
    d = await loadDawn()
  } catch (e) {
    return { reason: `the webgpu package (Dawn) could not be loaded: ${e instanceof Error ? e.message : String(e)}` }
  }
  const adapter = await d.gpu.requestAdapter({ powerPreference: "high-performance" })
  if (adapter === null) {
    return { reason: "no WebGPU adapter: Dawn found no Vulkan driver (install mesa-vulkan-drivers ≥ 25 for a software one, or a GPU driver with Vulkan)" }
  }
  return { adapter, summary: summarize(adapter) }
}

// tfjs-backend-webgpu's class, loaded with Dawn (its module needs the WebGPU globals)
type WebGPUBackendClass = typeof import("@tensorflow/tfjs-backend-webgpu").WebGPUBackend

/** pooled free buffers below this are always kept for reuse */
export const POOL_FLOOR_BYTES = 256 * 2 ** 20

/** bytes one element takes in a WebGPU buffer (tfjs stores float32, int32 and bool as 4 bytes) */
const GPU_BYTES_PER_ELEMENT = 4

let lastError: GpuError | undefined
let lostError: GpuError | undefined

/** the error to throw now, if any (a lost device stays failed; any other error is thrown once) */
const takeError = (): GpuError | undefined => {
  if (lostError !== undefined) return lostError
  const e = lastError
  lastError = undefined
  return e
}

const record = (e: GpuError): void => {
  lastError ??= e
}

const fromGpuError = (err: GPUError, kind: "validation" | "out-of-memory" | "internal", at: { stage: string; kernel?: string; shape?: ReadonlyArray<number>; bytes?: number }): GpuError => {
  const where = at.kernel !== undefined ? `${at.kernel}${at.shape !== undefined ? ` → ${fmtShape(at.shape)}` : ""}` : "a transfer"
  const asked = at.bytes !== undefined ? `, ${fmtBytes(at.bytes)} in its largest tensor` : ""
  const what = kind === "out-of-memory" ? "out of GPU memory" : `${kind} error`
  return new GpuError(`webgpu ${what} in "${at.stage}" at ${where}${asked}: ${err.message.trim()}`, { ...at, kind })
}

/**
 * The tfjs WebGPU backend with loud failures. Built lazily (the class comes with Dawn's globals).
 */
const makeBackendClass = (Base: WebGPUBackendClass) =>
  class LoudWebGPUBackend extends Base {
    override runWebGPUProgram(
      program: Parameters<InstanceType<WebGPUBackendClass>["runWebGPUProgram"]>[0],
      inputs: tf.TensorInfo[],
      outputDtype: tf.DataType,
      programDefinedUniform?: Parameters<InstanceType<WebGPUBackendClass>["runWebGPUProgram"]>[3],
      output?: tf.TensorInfo
    ): tf.TensorInfo {
      const pending = takeError()
      if (pending !== undefined) throw pending
      const kernel = (program as { constructor: { name: string } }).constructor.name
      const outShape = output?.shape ?? (program as { outputShape: number[] }).outputShape
      const limit = this.device.limits.maxStorageBufferBindingSize
      let largest = 0
      for (const [role, shape] of [...inputs.map((t, i) => [`input ${i}`, t.shape] as const), ["output", outShape] as const]) {
        const bytes = tf.util.sizeFromShape(shape) * GPU_BYTES_PER_ELEMENT
        largest = Math.max(largest, bytes)
        if (bytes > limit) {
          throw new GpuError(
            `webgpu: "${stageLabel}" needs ${kernel} to bind its ${role} ${fmtShape(shape)} (${fmtBytes(bytes)}), ` +
              `above this adapter's maxStorageBufferBindingSize of ${fmtBytes(limit)}; split the tensor into row shards ` +
              `below the limit (or use a backend without the limit)`,
            { stage: stageLabel, kernel, shape, bytes, kind: "binding-too-large" }
          )
        }
      }
      const at = { stage: stageLabel, kernel, shape: outShape, bytes: largest }
      return this.scoped(at, () => super.runWebGPUProgram(program, inputs, outputDtype, programDefinedUniform, output)).result
    }

    /**
     * Run `fn` (synchronous GPU encoding) inside validation, out-of-memory and internal error scopes;
     * their errors are recorded, with `at`, when Dawn reports them.
     */
    scoped<A>(at: { stage: string; kernel?: string; shape?: ReadonlyArray<number>; bytes?: number }, fn: () => A): { result: A; scopes: Promise<void> } {
      const kinds = ["validation", "out-of-memory", "internal"] as const
      for (const kind of [...kinds].reverse()) this.device.pushErrorScope(kind)
      // popped in the reverse order of the pushes: validation first
      const pop = (): Promise<void> =>
        Promise.all(
          kinds.map((kind) =>
            this.device.popErrorScope().then(
              (err) => {
                if (err !== null) record(fromGpuError(err, kind, at))
              },
              () => undefined // a lost device rejects the pops; `lost` reports that
            )
          )
        ).then(() => undefined)
      let result: A
      try {
        result = fn()
      } catch (e) {
        void pop()
        throw e
      }
      const scopes = pop()
      return { result, scopes }
    }

    override async read(dataId: object): Promise<BackendValues> {
      const before = takeError()
      if (before !== undefined) throw before
      const info = this.tensorMap.get(dataId)
      const at = { stage: stageLabel, kernel: "read", shape: info?.shape, bytes: info === undefined ? undefined : tf.util.sizeFromShape(info.shape) * GPU_BYTES_PER_ELEMENT }
      // the copy to the staging buffer is submitted synchronously, so inside the scopes
      const { result: reading, scopes } = this.scoped(at, () => super.read(dataId))
      let values: BackendValues
      try {
        values = await reading
      } catch (e) {
        await scopes
        throw takeError() ?? e
      }
      await scopes
      const after = takeError()
      if (after !== undefined) {
        // the values came from an invalid command buffer: never hand them out
        ;(this.tensorMap.get(dataId) as { values: BackendValues | null }).values = null
        throw after
      }
      return values
    }

    // most kernels ask this first, also those that then run on host values: a lost device or a
    // pending error stops them too
    override shouldExecuteOnCPU(inputs: tf.TensorInfo[], sizeThreshold?: number): boolean {
      const pending = takeError()
      if (pending !== undefined) throw pending
      return super.shouldExecuteOnCPU(inputs, sizeThreshold)
    }

    override readSync(dataId: object): BackendValues {
      const data = this.tensorMap.get(dataId)
      if (data !== undefined && data.values != null) return data.values
      // tfjs reads GPU memory synchronously through a canvas, which Node does not have
      throw new GpuError(
        `webgpu: "${stageLabel}" read a tensor ${fmtShape(data?.shape ?? [])} synchronously (dataSync/arraySync); ` +
          `WebGPU in Node can only read asynchronously: use await tensor.data()`,
        { stage: stageLabel, shape: data?.shape, kind: "sync-read" }
      )
    }

    /**
     * tfjs pools every released buffer for reuse and never gives one back: after a 6B model's scope
     * closed, its 25 GB would stay allocated. The pool may stay as large as the live tensors (a
     * training step reuses the previous step's buffers) or POOL_FLOOR_BYTES, not more.
     */
    override disposeData(dataId: object, force?: boolean): boolean {
      const released = super.disposeData(dataId, force)
      const bm = this.bufferManager
      const pooled = bm.numBytesAllocated - bm.numBytesUsed
      if (pooled > Math.max(POOL_FLOOR_BYTES, bm.numBytesUsed)) this.releaseFreeBuffers()
      return released
    }

    /** Destroy the pooled free buffers (tfjs keeps released buffers for reuse until the backend goes). */
    releaseFreeBuffers(): number {
      const bm = this.bufferManager as unknown as { freeBuffers: Map<string, GPUBuffer[]>; numFreeBuffers: number; numBytesAllocated: number }
      let bytes = 0
      for (const list of bm.freeBuffers.values()) {
        for (const b of list) {
          bytes += b.size
          b.destroy()
        }
        list.length = 0
      }
      bm.numFreeBuffers = 0
      bm.numBytesAllocated -= bytes
      return bytes
    }
  }

let adapterInUse: AdapterSummary | undefined
let probed: ReturnType<typeof probeAdapter> | undefined

/** The adapter of the registered webgpu backend (undefined before `registerWebGpu`). */
export const webGpuAdapter = (): AdapterSummary | undefined => adapterInUse

/**
 * Register (or re-register) tfjs's "webgpu" backend on Dawn's adapter. A software adapter is
 * accepted only with `allowSoftware` (an explicit request). Returns the adapter, or why not.
 */
export const registerWebGpu = async (options: { readonly allowSoftware: boolean }): Promise<AdapterSummary | { reason: string }> => {
  // one adapter per process: probing again would only find the same one
  probed ??= probeAdapter()
  const probe = await probed
  if ("reason" in probe) return probe
  const { adapter, summary } = probe
  if (summary.software && !options.allowSoftware) {
    return { reason: `the only WebGPU adapter is a software one (${describeAdapter(summary)}); ZAOJI_BACKEND=webgpu uses it` }
  }
  // registered already: keep that device (and the tensors living on it)
  if (adapterInUse !== undefined && tf.findBackendFactory("webgpu") !== null) return adapterInUse
  const { WebGPUBackend } = await import("@tensorflow/tfjs-backend-webgpu")
  const Loud = makeBackendClass(WebGPUBackend)
  if (tf.findBackendFactory("webgpu") !== null) tf.removeBackend("webgpu")
  tf.registerBackend(
    "webgpu",
    async () => {
      const features: GPUFeatureName[] = (["timestamp-query"] as const).filter((f) => adapter.features.has(f))
      const device = await adapter.requestDevice({
        requiredFeatures: features,
        requiredLimits: {
          // ask for everything the adapter has: the defaults (128 MiB bindings) are far below a GPU's
          maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
          maxBufferSize: adapter.limits.maxBufferSize,
          maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
          maxComputeWorkgroupsPerDimension: adapter.limits.maxComputeWorkgroupsPerDimension,
          maxComputeWorkgroupSizeX: adapter.limits.maxComputeWorkgroupSizeX,
          maxComputeInvocationsPerWorkgroup: adapter.limits.maxComputeInvocationsPerWorkgroup
        }
      })
      lostError = undefined
      lastError = undefined
      device.onuncapturederror = (ev) => {
        const e = (ev as GPUUncapturedErrorEvent).error
        const kind = e instanceof GPUOutOfMemoryError ? "out-of-memory" : e instanceof GPUValidationError ? "validation" : "internal"
        record(fromGpuError(e, kind, { stage: stageLabel }))
      }
      // any loss ends the device, "destroyed" included: later work must fail, not return zeros
      void device.lost.then((info) => {
        lostError = new GpuError(`webgpu device lost during "${stageLabel}": ${info.message.trim() || info.reason}`, { stage: stageLabel, kind: "device-lost" })
      })
      return new Loud(device, adapter.info)
    },
    1
  )
  adapterInUse = summary
  return summary
}

/** Free the webgpu backend's pooled buffers (no-op on other backends); returns the bytes freed. */
export const releaseFreeGpuMemory = (): number => {
  if (tf.getBackend() !== "webgpu") return 0
  const b = tf.backend() as unknown as { releaseFreeBuffers?: () => number }
  return b.releaseFreeBuffers?.() ?? 0
}

/**
 * Why WebGPU cannot run here (no Dawn, no Vulkan adapter), or undefined when it can; a software
 * adapter counts as available. Test files use it to skip with the reason.
 */
export const webGpuUnavailable = async (): Promise<string | undefined> => {
  probed ??= probeAdapter()
  const probe = await probed
  return "reason" in probe ? probe.reason : undefined
}
