/**
 * The golden GLM suite (model.golden.test.ts: forward, cached greedy decoding, prefixes, hidden
 * states, padded batch; glm1 and glm2, base and sharp sets) re-run on the WebGPU backend — in CI on
 * Mesa's software Vulkan (lavapipe), on a workstation on its GPU.
 */
import * as tf from "@tensorflow/tfjs"
import { describe, expect, it } from "vitest"
import { runSuitesOn, webGpuUnavailable } from "@zaoji/tensor"

const unavailable = await webGpuUnavailable()
if (unavailable !== undefined) {
  describe.skip(`golden GLM fixtures on webgpu (skipped: ${unavailable})`, () => {
    it("needs a Vulkan adapter", () => undefined)
  })
} else {
  runSuitesOn("webgpu")
  await import("./model.golden.test.js")
  // after the suite's tests: they did run on webgpu, not on a fallback
  describe("backend of the re-run", () => {
    it("is webgpu", () => expect(tf.getBackend()).toBe("webgpu"))
  })
}
