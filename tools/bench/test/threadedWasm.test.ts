import { describe, expect, it } from "vitest"
import * as tf from "@tensorflow/tfjs"
import { useBackend } from "@zaoji/tensor"
import { runThreadedChild } from "../src/threadedChild.js"

describe("tfjs-backend-wasm's threaded SIMD build hosted in Node", () => {
  it("runs two XNNPACK threads and computes what the single-threaded build computes", async () => {
    const r = await runThreadedChild<{ threads: number; product: number[] }>(["matmul", "--threads", "2"])
    expect(r.threads).toBe(2)
    await useBackend("wasm")
    const a = tf.randomNormal([128, 96], 0, 1, "float32", 1)
    const b = tf.randomNormal([96, 64], 0, 1, "float32", 2)
    const want = Array.from(tf.matMul(a, b).dataSync())
    tf.dispose([a, b])
    expect(r.product).toHaveLength(want.length)
    for (let i = 0; i < want.length; i++) {
      const d = Math.abs(r.product[i]! - want[i]!)
      // NaN fails this comparison too
      expect(d <= 1e-4 * Math.max(1, Math.abs(want[i]!))).toBe(true)
    }
  }, 120_000)

  it("reports the child's error when the task is unknown", async () => {
    await expect(runThreadedChild(["nonsense", "--threads", "2"])).rejects.toThrow(/unknown task "nonsense"/)
  }, 120_000)
})
