/**
 * The WebGPU backend on whatever adapter this machine has (in CI: Mesa's lavapipe, a software
 * Vulkan): selection rules, numbers equal to the cpu backend, and loud failures — a binding above
 * the adapter's limit, a validation error Dawn reports later, a synchronous read, a lost device.
 */
import * as tf from "@tensorflow/tfjs"
import { afterAll, describe, expect, it } from "vitest"
import {
  backendInfo,
  ensureBackend,
  GpuError,
  POOL_FLOOR_BYTES,
  releaseFreeGpuMemory,
  setBackendLogger,
  setBackendOverride,
  useBackend,
  webGpuAdapter,
  webGpuUnavailable,
  withGpuStage
} from "../src/index.js"

const unavailable = await webGpuUnavailable()

/** a float32 matrix just over lavapipe's 128 MiB binding limit (and over WebGPU's default) */
const OVER_LIMIT_ROWS = 9000
const WIDTH = 4096

const gpuDevice = (): GPUDevice => (tf.backend() as unknown as { device: GPUDevice }).device

describe.skipIf(unavailable !== undefined)(`webgpu backend${unavailable !== undefined ? ` (skipped: ${unavailable})` : ""}`, () => {
  afterAll(async () => {
    setBackendOverride(undefined)
  })

  it("the automatic choice takes a hardware adapter and passes over a software one, saying so", async () => {
    const logs: string[] = []
    setBackendLogger((m) => logs.push(m))
    const saved = process.env.ZAOJI_BACKEND
    delete process.env.ZAOJI_BACKEND
    setBackendOverride(undefined)
    try {
      const chosen = await ensureBackend()
      const adapter = webGpuAdapter()
      if (adapter !== undefined && !adapter.software) {
        expect(chosen).toBe("webgpu")
      } else {
        expect(chosen).not.toBe("webgpu")
        expect(logs[0]).toMatch(/webgpu not used: the only WebGPU adapter is a software one \(.*software.*\); ZAOJI_BACKEND=webgpu uses it/)
      }
    } finally {
      if (saved !== undefined) process.env.ZAOJI_BACKEND = saved
    }
  })

  it("ZAOJI_BACKEND=webgpu uses any adapter, logs it, and the device gets the adapter's own limits", async () => {
    const logs: string[] = []
    setBackendLogger((m) => logs.push(m))
    const saved = process.env.ZAOJI_BACKEND
    process.env.ZAOJI_BACKEND = "webgpu"
    setBackendOverride(undefined)
    try {
      expect(await ensureBackend()).toBe("webgpu")
    } finally {
      if (saved === undefined) delete process.env.ZAOJI_BACKEND
      else process.env.ZAOJI_BACKEND = saved
    }
    expect(tf.getBackend()).toBe("webgpu")
    const info = backendInfo()
    expect(info.name).toBe("webgpu")
    const a = info.adapter!
    expect(logs).toEqual([expect.stringMatching(/^backend: webgpu \(.+, binding ≤ .+, buffer ≤ .+\) \(requested\)$/)])
    expect(logs[0]).toContain(a.vendor)
    // requested at device creation: WebGPU's defaults would be 128 MiB and 256 MiB
    expect(gpuDevice().limits.maxStorageBufferBindingSize).toBe(a.limits.maxStorageBufferBindingSize)
    expect(gpuDevice().limits.maxBufferSize).toBe(a.limits.maxBufferSize)
    expect(a.limits.maxBufferSize).toBeGreaterThan(256 * 2 ** 20)
  })

  it("computes what the cpu backend computes: matMul and its gradient", async () => {
    const x = Array.from({ length: 96 * 64 }, (_, i) => Math.sin(i * 0.37))
    const w = Array.from({ length: 64 * 48 }, (_, i) => Math.cos(i * 0.11))
    const run = async () => {
      const xt = tf.tensor2d(x, [96, 64])
      const wt = tf.tensor2d(w, [64, 48])
      const g = tf.grad((b: tf.Tensor) => tf.sum(tf.relu(tf.matMul(xt, b))))(wt)
      const y = tf.matMul(xt, wt)
      const out = [await y.data(), await g.data()] as const
      tf.dispose([xt, wt, g, y])
      return out
    }
    await useBackend("webgpu")
    const [gy, gg] = await run()
    await useBackend("cpu")
    const [cy, cg] = await run()
    await useBackend("webgpu")
    let worst = 0
    for (const [a, b] of [[gy, cy], [gg, cg]] as const) {
      expect(a.length).toBe(b.length)
      for (let i = 0; i < a.length; i++) {
        expect(Number.isFinite(a[i])).toBe(true)
        worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1, Math.abs(b[i]!)))
      }
    }
    expect(worst).toBeLessThan(1e-5)
  })

  it("a synchronous read of GPU data is a clear error (WebGPU in Node reads asynchronously)", async () => {
    await useBackend("webgpu")
    // big enough to run on the GPU (tfjs computes tiny ops of host values on the CPU)
    const y = tf.tidy(() => tf.matMul(tf.ones([64, 64]), tf.ones([64, 64])))
    expect(() => y.dataSync()).toThrow(/read a tensor \[(1, )?64, 64\] synchronously .* use await tensor\.data\(\)/)
    expect(new Set(await y.data())).toEqual(new Set([64]))
    y.dispose()
  })

  it("a tensor above the binding limit fails loudly, naming the stage, the shape and the bytes — never zeros", async () => {
    await useBackend("webgpu")
    const limit = gpuDevice().limits.maxStorageBufferBindingSize
    const rows = Math.max(OVER_LIMIT_ROWS, Math.floor(limit / (WIDTH * 4)) + 1)
    const big = tf.tensor2d(new Float32Array(rows * WIDTH).fill(1), [rows, WIDTH])
    const before = tf.memory().numTensors
    try {
      const err = await withGpuStage("embedding gather test", async () => {
        try {
          const g = tf.gather(big, [1, 2])
          const values = await g.data()
          g.dispose()
          return new Error(`gather returned ${values.length} values instead of failing`)
        } catch (e) {
          return e
        }
      })
      expect(err).toBeInstanceOf(GpuError)
      const e = err as GpuError
      expect(e.detail.kind).toBe("binding-too-large")
      expect(e.detail.stage).toBe("embedding gather test")
      expect(e.detail.bytes).toBe(rows * WIDTH * 4)
      expect(e.detail.shape!.reduce((a, b) => a * b, 1)).toBe(rows * WIDTH)
      expect(e.message).toMatch(/"embedding gather test" needs GatherProgram to bind its input 0 \[.*\] \(\d+\.\d MiB\), above this adapter's maxStorageBufferBindingSize/)
      expect(() => tf.matMul(tf.ones([1, rows]), big)).toThrow(GpuError)
    } finally {
      big.dispose()
    }
    // the failed kernels left nothing behind, and the backend still computes
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before)
    const ok = tf.gather(tf.tensor2d([1, 2, 3, 4], [2, 2]), [1])
    expect([...(await ok.data())]).toEqual([3, 4])
    ok.dispose()
  })

  it("an error Dawn reports later (here an invalid buffer) is thrown at the next read instead of returning data", async () => {
    await useBackend("webgpu")
    const y = tf.mul(tf.ones([8]), 3)
    gpuDevice().createBuffer({ size: 2 ** 40, usage: GPUBufferUsage.STORAGE }) // over maxBufferSize
    await expect(y.data()).rejects.toThrow(/webgpu validation error in "tensor work".*max buffer size/s)
    // reported once: the next read succeeds
    expect([...(await y.data())]).toEqual(new Array(8).fill(3))
    y.dispose()
  })

  it("GPU memory comes back when the tensors of a model are disposed, and the pool can be emptied", async () => {
    await useBackend("webgpu")
    releaseFreeGpuMemory()
    const base = tf.memory() as tf.MemoryInfo & { numBytesInGPU: number; numBytesAllocatedInGPU: number }
    const weights = [tf.randomNormal([256, 512]), tf.randomNormal([512, 256]), tf.randomNormal([256])]
    const out = tf.tidy(() => tf.add(tf.matMul(tf.matMul(tf.ones([4, 256]), weights[0]!), weights[1]!), weights[2]!))
    await out.data()
    const used = tf.memory() as typeof base
    expect(used.numBytesInGPU).toBeGreaterThan(base.numBytesInGPU + 256 * 512 * 4)
    tf.dispose([...weights, out])
    const after = tf.memory() as typeof base
    expect(after.numTensors).toBe(base.numTensors)
    expect(after.numBytesInGPU).toBe(base.numBytesInGPU)
    // freed buffers stay pooled for reuse until released
    expect(releaseFreeGpuMemory()).toBeGreaterThan(0)
    expect((tf.memory() as typeof base).numBytesAllocatedInGPU).toBe(base.numBytesAllocatedInGPU)
  })

  it("the buffer pool does not outgrow the live tensors: a closed model's memory goes back by itself", async () => {
    await useBackend("webgpu")
    releaseFreeGpuMemory()
    const base = tf.memory() as tf.MemoryInfo & { numBytesInGPU: number; numBytesAllocatedInGPU: number }
    // three 96 MiB tensors, made on the GPU (fill kernels), then dropped
    const big = [0, 1, 2].map((i) => tf.fill([24 * 2 ** 20], i + 1))
    // a small read submits the queued work (tfjs defers releasing buffers that queued work uses)
    const first = tf.slice(big[2]!, [0], [1])
    expect([...(await first.data())]).toEqual([3])
    first.dispose()
    const held = tf.memory() as typeof base
    expect(held.numBytesAllocatedInGPU - base.numBytesAllocatedInGPU).toBeGreaterThanOrEqual(3 * 96 * 2 ** 20)
    tf.dispose(big)
    const after = tf.memory() as typeof base
    expect(after.numBytesInGPU).toBe(base.numBytesInGPU)
    expect(after.numBytesAllocatedInGPU - after.numBytesInGPU).toBeLessThanOrEqual(POOL_FLOOR_BYTES)
  })

  // last: it ends this process's device
  it("a lost device fails every later read and kernel with a clear error, never hangs", async () => {
    await useBackend("webgpu")
    const y = tf.mul(tf.ones([8]), 2)
    gpuDevice().destroy()
    await expect(withGpuStage("after loss", () => y.data())).rejects.toThrow(/webgpu device lost during "after loss"/)
    expect(() => tf.add(y, 1)).toThrow(/webgpu device lost/)
  })
})
