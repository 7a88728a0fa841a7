/**
 * P-Tuning v2 against the golden training fixtures (glm1 and glm2, base and sharp weight sets):
 * loss with a prefix, gradient norms of the prefix tensors, the full prefix gradient, and the
 * prefix after exactly 3 AdamW steps through the shared trainer.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { createGlmProgram, glmProgramModule } from "@zaoji/fine-tuning/kit"
import { readSafetensors, suiteTitle, useSuiteBackend } from "@zaoji/tensor"
import {
  backendTolerance,
  expectAllClose,
  expectClose,
  gradientTolerance,
  hasShared,
  noiseDrivenElements,
  paramTolerance,
  sharedPath,
  sharedSuiteTitle,
  startMeanGradients,
  trainGoldenAdamwSteps
} from "@zaoji/testing"
import { norm } from "@zaoji/training"
import { prefixTensorNames, prefixTensorShapes } from "../src/kit.js"

type Arch = "glm1" | "glm2"
const dir = (arch: Arch, sharp: boolean) => (sharp ? sharedPath("golden", arch, "sharp") : sharedPath("golden", arch))
const json = (file: string) => JSON.parse(readFileSync(file, "utf8"))

const setup = (arch: Arch, sharp: boolean, variant: "prefix_noproj" | "prefix_proj") => {
  const base = json(join(dir(arch, false), "cases.json"))
  const cases = sharp ? json(join(dir(arch, true), "cases.json")) : base
  const p = base.prefix.find((x: any) => x.name === variant)
  const config = json(join(dir(arch, false), p.config))
  const args = {
    config,
    weightFiles: [join(dir(arch, sharp), cases.weights), join(dir(arch, false), p.prefix_weights)],
    trainable: prefixTensorNames(config)
  }
  const examples = cases.train.input_ids.map((ids: number[], i: number) => ({ inputIds: ids, labels: cases.train.labels[i] }))
  return { args, examples, ref: cases.train[variant], cases }
}

describe.skipIf(!hasShared)(sharedSuiteTitle(suiteTitle("P-Tuning v2 golden training cases")), () => {
  // every tolerance below is this backend's (backendTolerance.ts in @zaoji/testing)
  let backend = "wasm"
  beforeAll(async () => {
    backend = await useSuiteBackend("wasm")
  })

  for (const arch of ["glm1", "glm2"] as Arch[]) {
    for (const sharp of [false, true]) {
      const set = sharp ? "sharp" : "base"
      for (const variant of ["prefix_noproj", "prefix_proj"] as const) {
        it(`${arch} ${set} ${variant}: loss and gradient norms of the prefix tensors`, async () => {
          const { args, examples, ref } = setup(arch, sharp, variant)
          expect(args.trainable.sort()).toEqual([...ref.trainable].sort())
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
            if (ref.grads) {
              const want = readSafetensors(join(dir(arch, false), ref.grads))
              expect([...want.keys()].sort()).toEqual(Object.keys(r.grads).sort())
              for (const [name, t] of want) {
                const got = r.grads[name]!.map((x) => x / r.count)
                const shape = program.trainable.find((spec) => spec.name === name)!.shape
                expectAllClose(got, t.data, gradientTolerance(t.data, backend), { what: `grad of ${name}`, shape: { actual: shape, expected: t.shape } })
              }
            }
          } finally {
            program.dispose()
          }
        })
      }

      it(`${arch} ${set} prefix_noproj: 3 AdamW steps through the trainer`, async () => {
        const { args, examples, ref, cases } = setup(arch, sharp, "prefix_noproj")
        const a = ref.adamw
        const result = await trainGoldenAdamwSteps({ module: glmProgramModule, args }, examples, a)
        // one loss per step, each the loss before that step's update
        expect(result.lossCurve).toHaveLength(a.steps)
        expectAllClose(result.lossCurve.map((r) => r.loss), a.losses_before_each_step, backendTolerance("loss", backend), { what: "losses before each step" })
        expect(result.finalEvalLoss).toBeDefined()
        expectClose(result.finalEvalLoss!, a.loss_after, backendTolerance("loss", backend), "loss after the steps")
        if (a.params_after) {
          const want = readSafetensors(join(dir(arch, true), a.params_after))
          expect([...want.keys()].sort()).toEqual(Object.keys(result.params).sort())
          const shapes = prefixTensorShapes(args.config)
          // elements driven by float noise (AdamW's m/√v of near-zero gradients): the fixture's
          // list and those this backend's rounding can flip; every other element is held tight
          const noisy = noiseDrivenElements(backend, await startMeanGradients({ module: glmProgramModule, args }, examples), a.noise_driven_elements)
          for (const [name, t] of want) {
            expect(shapes[name], `${name} is a prefix tensor`).toBeDefined()
            expectAllClose(result.params[name]!, t.data, paramTolerance(backend, noisy[name]), {
              what: name,
              shape: { actual: shapes[name]!, expected: t.shape }
            })
          }
        }
        expect(cases.arch).toBe(arch)
      })
    }
  }
})
