/**
 * A model's GPU memory on the WebGPU backend: opened in a scope, used for generation, and every
 * tensor and buffer it took is back when the scope closes (counted with tf.memory()).
 */
import * as tf from "@tensorflow/tfjs"
import { describe, expect, it } from "vitest"
import { Effect } from "effect"
import { releaseFreeGpuMemory, useBackend, webGpuUnavailable } from "@zaoji/tensor"
import { presetConfig } from "../src/index.js"
import { initWeights } from "../src/model/init.js"
import { createModel } from "../src/model/model.js"
import { generate } from "../src/generate/generate.js"

type GpuMemory = tf.MemoryInfo & { numBytesInGPU: number; numBytesAllocatedInGPU: number }
const memory = () => tf.memory() as GpuMemory

const unavailable = await webGpuUnavailable()

describe.skipIf(unavailable !== undefined)(`GLM model on webgpu${unavailable !== undefined ? ` (skipped: ${unavailable})` : ""}`, () => {
  it("releases every tensor and GPU buffer of a model when its scope closes", async () => {
    await useBackend("webgpu")
    releaseFreeGpuMemory()
    const base = memory()
    const cfg = presetConfig("micro", { arch: "glm2" })
    let inUse = 0
    const tokens = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const model = yield* Effect.acquireRelease(
            Effect.sync(() => createModel(cfg, initWeights(cfg, { seed: 4, std: 0.2 }))),
            (m) => Effect.sync(() => m.dispose())
          )
          const r = yield* Effect.promise(() => generate(model, [[5, 6, 7], [8, 9]], { maxNewTokens: 4 }))
          inUse = memory().numBytesInGPU
          return r.tokens
        })
      )
    )
    expect(tokens.map((t) => t.length)).toEqual([4, 4])
    // the weights were on the GPU while the scope was open
    expect(inUse).toBeGreaterThan(base.numBytesInGPU)
    const after = memory()
    expect(after.numTensors).toBe(base.numTensors)
    expect(after.numBytesInGPU).toBe(base.numBytesInGPU)
    // tfjs pools freed buffers for reuse; emptying the pool gives the memory back to the driver
    expect(releaseFreeGpuMemory()).toBeGreaterThan(0)
    expect(memory().numBytesAllocatedInGPU).toBe(base.numBytesAllocatedInGPU)
  })
})
