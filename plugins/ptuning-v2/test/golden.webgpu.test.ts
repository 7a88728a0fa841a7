/**
 * The P-Tuning v2 golden training suite (golden.test.ts: loss, prefix gradients, 3 AdamW steps)
 * re-run on the WebGPU backend.
 */
import * as tf from "@tensorflow/tfjs"
import { describe, expect, it } from "vitest"
import { runSuitesOn, webGpuUnavailable } from "@zaoji/tensor"

const unavailable = await webGpuUnavailable()
if (unavailable !== undefined) {
  describe.skip(`P-Tuning v2 golden training cases on webgpu (skipped: ${unavailable})`, () => {
    it("needs a Vulkan adapter", () => undefined)
  })
} else {
  runSuitesOn("webgpu")
  await import("./golden.test.js")
  // after the suite's tests: they did run on webgpu, not on a fallback
  describe("backend of the re-run", () => {
    it("is webgpu", () => expect(tf.getBackend()).toBe("webgpu"))
  })
}
