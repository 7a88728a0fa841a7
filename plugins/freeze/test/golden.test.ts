/**
 * Freeze tuning of the last 2 layers against the golden training fixtures (glm1 and glm2, base and
 * sharp sets): the selected tensors, loss, per-tensor gradient norms, losses before each of 3
 * AdamW steps, the loss after them, and (sharp set) every tuned parameter after the 3 steps.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { baseWeightShapes, decodeGlmConfig } from "@zaoji/glm-runtime"
import { createGlmProgram, glmProgramModule } from "@zaoji/fine-tuning/kit"
import { readSafetensors, suiteTitle, useSuiteBackend } from "@zaoji/tensor"
import {
  backendTolerance,
  expectAllClose,
  expectClose,
  hasShared,
  noiseDrivenElements,
  paramTolerance,
  sharedPath,
  sharedSuiteTitle,
  startMeanGradients,
  trainGoldenAdamwSteps
} from "@zaoji/testing"
import { norm } from "@zaoji/training"
import { freezeTrainable } from "../src/kit.js"

type Arch = "glm1" | "glm2"
const dir = (arch: Arch, sharp: boolean) => (sharp ? sharedPath("golden", arch, "sharp") : sharedPath("golden", arch))
const json = (file: string) => JSON.parse(readFileSync(file, "utf8"))

const setup = (arch: Arch, sharp: boolean) => {
  const cases = json(join(dir(arch, sharp), "cases.json"))
  const config = json(join(dir(arch, false), "config.json"))
  const trainable = freezeTrainable(decodeGlmConfig(config), { trainableLayers: 2 })
  const args = { config, weightFiles: [join(dir(arch, sharp), cases.weights)], trainable }
  const examples = cases.train.input_ids.map((ids: number[], i: number) => ({ inputIds: ids, labels: cases.train.labels[i] }))
  return { args, examples, ref: cases.train.freeze_last2 }
}

describe.skipIf(!hasShared)(sharedSuiteTitle(suiteTitle("freeze tuning golden training cases")), () => {
  // every tolerance below is this backend's (backendTolerance.ts in @zaoji/testing)
  let backend = "wasm"
  beforeAll(async () => {
    backend = await useSuiteBackend("wasm")
  })

  for (const arch of ["glm1", "glm2"] as Arch[]) {
    for (const sharp of [false, true]) {
      const set = sharp ? "sharp" : "base"
      it(`${arch} ${set} freeze_last2: trainable set, loss and gradient norms`, async () => {
        const { args, examples, ref } = setup(arch, sharp)
        expect([...args.trainable].sort()).toEqual([...ref.trainable].sort())
        const program = await createGlmProgram(args)
        try {
          const r = await program.gradients({ inputIds: examples.map((e: any) => e.inputIds), labels: examples.map((e: any) => e.labels) })
          expect(r.count).toBeGreaterThan(0)
          expectClose(r.lossSum / r.count, ref.loss, backendTolerance("loss", backend), "loss")
          // a gradient for every reference tensor and for no other
          expect(Object.keys(r.grads).sort()).toEqual(Object.keys(ref.grad_norms).sort())
          let total = 0
          for (const [name, g] of Object.entries(r.grads)) {
            const n = norm(g) / r.count
            total += n * n
            expectClose(n, ref.grad_norms[name], backendTolerance("gradNorm", backend), `grad norm of ${name}`)
          }
          expectClose(Math.sqrt(total), ref.grad_norm_total, backendTolerance("gradNorm", backend), "total grad norm")
        } finally {
          program.dispose()
        }
      })

      it(`${arch} ${set} freeze_last2: 3 AdamW steps through the trainer`, async () => {
        const { args, examples, ref } = setup(arch, sharp)
        const a = ref.adamw
        const result = await trainGoldenAdamwSteps({ module: glmProgramModule, args }, examples, a)
        // one loss per step, each the loss before that step's update
        expect(result.lossCurve).toHaveLength(a.steps)
        expectAllClose(result.lossCurve.map((r) => r.loss), a.losses_before_each_step, backendTolerance("loss", backend), { what: "losses before each step" })
        expect(result.finalEvalLoss).toBeDefined()
        expectClose(result.finalEvalLoss!, a.loss_after, backendTolerance("loss", backend), "loss after the steps")
        if (a.params_after) {
          const want = readSafetensors(join(dir(arch, true), a.params_after))
          expect([...want.keys()].sort()).toEqual([...args.trainable].sort())
          expect(Object.keys(result.params).sort()).toEqual([...args.trainable].sort())
          const shapes = baseWeightShapes(decodeGlmConfig(args.config))
          // elements driven by float noise (AdamW's m/√v of near-zero gradients): the fixture's
          // list and those this backend's rounding can flip; every other element is held tight
          const noisy = noiseDrivenElements(backend, await startMeanGradients({ module: glmProgramModule, args }, examples), a.noise_driven_elements)
          for (const [name, t] of want) {
            expectAllClose(result.params[name]!, t.data, paramTolerance(backend, noisy[name]), {
              what: name,
              shape: { actual: shapes[name]!, expected: t.shape }
            })
          }
        }
      })
    }
  }
})
