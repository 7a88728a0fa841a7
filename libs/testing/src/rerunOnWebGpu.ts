/**
 * Re-running a test suite on WebGPU without copying it (see runSuitesOn in @zaoji/tensor): a
 * `*.webgpu.test.ts` file calls `await rerunOnWebGpu("what it checks", () => import("./x.test.js"))`.
 * Without a Vulkan adapter the file reports one skipped case saying why; with one, the suite runs on
 * webgpu and a last case proves it did not run on a fallback backend. A module of its own (the
 * `@zaoji/testing/rerun` entry) because it registers vitest suites when called.
 */
import * as tf from "@tensorflow/tfjs"
import { describe, expect, it } from "vitest"
import { runSuitesOn, webGpuUnavailable } from "@zaoji/tensor"

export const rerunOnWebGpu = async (title: string, suite: () => Promise<unknown>): Promise<void> => {
  const unavailable = await webGpuUnavailable()
  if (unavailable !== undefined) {
    describe.skip(`${title} on webgpu (skipped: ${unavailable})`, () => {
      it("needs a Vulkan adapter", () => undefined)
    })
    return
  }
  runSuitesOn("webgpu")
  await suite()
  // registered after the suite's cases, so it runs after them
  describe("backend of the re-run", () => {
    it("is webgpu", () => expect(tf.getBackend()).toBe("webgpu"))
  })
}
