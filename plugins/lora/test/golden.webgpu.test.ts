/**
 * The LoRA golden suite (golden.test.ts: loss, A/B gradients, 3 AdamW steps, logits, merge)
 * re-run on the WebGPU backend.
 */
import * as tf from "@tensorflow/tfjs"
import { describe, expect, it } from "vitest"
import { runSuitesOn, webGpuUnavailable } from "@zaoji/tensor"

const unavailable = await webGpuUnavailable()
if (unavailable !== undefined) {
  describe.skip(`LoRA golden fixtures on webgpu (skipped: ${unavailable})`, () => {
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
