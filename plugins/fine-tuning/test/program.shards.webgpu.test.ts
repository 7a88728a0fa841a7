/**
 * The training program on row-sharded weights (program.shards.test.ts) re-run on WebGPU, where
 * shards exist for the adapter's binding limit (in CI on Mesa's lavapipe; the test forces a 40 KiB
 * limit so a tiny model shards).
 */
import * as tf from "@tensorflow/tfjs"
import { describe, expect, it } from "vitest"
import { runSuitesOn, webGpuUnavailable } from "@zaoji/tensor"

const unavailable = await webGpuUnavailable()
if (unavailable !== undefined) {
  describe.skip(`the training program on row-sharded weights on webgpu (skipped: ${unavailable})`, () => {
    it("needs a Vulkan adapter", () => undefined)
  })
} else {
  runSuitesOn("webgpu")
  await import("./program.shards.test.js")
  // after the suite's tests: they did run on webgpu, not on a fallback
  describe("backend of the re-run", () => {
    it("is webgpu", () => expect(tf.getBackend()).toBe("webgpu"))
  })
}
