/**
 * The same model code on the pure-JS cpu backend (the default here is WASM): the small golden
 * cases, sharp weights, forward + cached greedy decoding, for both architectures.
 */
import * as tf from "@tensorflow/tfjs"
import { beforeAll, describe, expect, it } from "vitest"
import { useBackend } from "@zaoji/tensor"
import { hasShared, sharedSuiteTitle } from "@zaoji/testing"
import { forward } from "../src/model/forward.js"
import { createModel } from "../src/model/model.js"
import { greedyWithLogits } from "../src/generate/generate.js"
import { compare, loadConfig, loadWeights, logitTol, readBin, readCases } from "./modelFixtures.js"

describe.skipIf(!hasShared)(sharedSuiteTitle("cpu backend: golden sharp cases"), () => {
  beforeAll(async () => {
    await useBackend("cpu")
  })

  for (const arch of ["glm1", "glm2"] as const) {
    it(`${arch}: forward and greedy decoding match on cpu`, async () => {
      expect(tf.getBackend()).toBe("cpu")
      const cases = readCases(arch, "sharp")
      const cfg = loadConfig(arch, "sharp")
      const model = createModel(cfg, loadWeights(arch, "sharp"))
      const c = cases.forward[0]
      const l = forward(cfg, model.weights, { inputIds: c.input_ids }).logits!
      const { diff, scale } = compare(l.dataSync(), readBin(arch, "sharp", c.logits))
      l.dispose()
      expect(diff).toBeLessThanOrEqual(logitTol(scale))
      const g = cases.generate[0]
      const before = tf.memory().numTensors
      const r = await greedyWithLogits(model, g.prompt, g.generated.length)
      expect(tf.memory().numTensors).toBe(before)
      expect(r.tokens).toEqual(g.generated)
      model.dispose()
    })
  }
})
