/**
 * The row-shard suite (model.shards.test.ts) re-run on WebGPU: sharded forward, decoding and
 * gradients equal the whole model's there too (in CI on Mesa's lavapipe).
 */
import * as tf from "@tensorflow/tfjs"
import { describe, expect, it } from "vitest"
import { runSuitesOn, webGpuUnavailable } from "@zaoji/tensor"

const unavailable = await webGpuUnavailable()
if (unavailable !== undefined) {
  describe.skip(`row-sharded weights on webgpu (skipped: ${unavailable})`, () => {
    it("needs a Vulkan adapter", () => undefined)
  })
} else {
  runSuitesOn("webgpu")
  await import("./model.shards.test.js")
  describe("backend of the re-run", () => {
    it("is webgpu", () => expect(tf.getBackend()).toBe("webgpu"))
  })
}
