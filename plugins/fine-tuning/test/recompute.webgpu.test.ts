/**
 * Activation recomputation (recompute.test.ts) re-run on WebGPU (in CI on Mesa's lavapipe): the
 * layer-by-layer gradients equal the whole graph's there too, and the tensor counts stay flat.
 */
import * as tf from "@tensorflow/tfjs"
import { describe, expect, it } from "vitest"
import { runSuitesOn, webGpuUnavailable } from "@zaoji/tensor"

const unavailable = await webGpuUnavailable()
if (unavailable !== undefined) {
  describe.skip(`activation recomputation on webgpu (skipped: ${unavailable})`, () => {
    it("needs a Vulkan adapter", () => undefined)
  })
} else {
  runSuitesOn("webgpu")
  await import("./recompute.test.js")
  // after the suite's tests: they did run on webgpu, not on a fallback
  describe("backend of the re-run", () => {
    it("is webgpu", () => expect(tf.getBackend()).toBe("webgpu"))
  })
}
