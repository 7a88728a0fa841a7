/**
 * Freeze tuning of the last 2 layers against the golden training fixtures (glm1 and glm2, base and
 * sharp sets): the selected tensors, loss, per-tensor gradient norms, losses before each of 3
 * AdamW steps, the loss after them, and (sharp set) every tuned parameter after the 3 steps.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { createGlmProgram, decodeGlmConfig, glmProgramModule } from "@zaoji/glm-runtime"
import { readSafetensors, useBackend } from "@zaoji/tensor"
import { hasShared, sharedPath, sharedSkipReason } from "@zaoji/testing"
import { acquireEngine, norm, train, trainerDefaults } from "@zaoji/training"
import { freezeTrainable } from "../src/index.js"

type Arch = "glm1" | "glm2"
const dir = (arch: Arch, sharp: boolean) => (sharp ? sharedPath("golden", arch, "sharp") : sharedPath("golden", arch))
const json = (file: string) => JSON.parse(readFileSync(file, "utf8"))
const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b)

const setup = (arch: Arch, sharp: boolean) => {
  const cases = json(join(dir(arch, sharp), "cases.json"))
  const config = json(join(dir(arch, false), "config.json"))
  const trainable = freezeTrainable(decodeGlmConfig(config), { trainableLayers: 2 })
  const args = { config, weightFiles: [join(dir(arch, sharp), cases.weights)], trainable }
  const examples = cases.train.input_ids.map((ids: number[], i: number) => ({ inputIds: ids, labels: cases.train.labels[i] }))
  return { args, examples, ref: cases.train.freeze_last2 }
}

describe.skipIf(!hasShared)(`freeze tuning golden training cases ${hasShared ? "" : sharedSkipReason}`, () => {
  beforeAll(async () => {
    await useBackend("wasm")
  })

  for (const arch of ["glm1", "glm2"] as Arch[]) {
    for (const sharp of [false, true]) {
      const set = sharp ? "sharp" : "base"
      it(`${arch} ${set} freeze_last2: trainable set, loss and gradient norms`, async () => {
        const { args, examples, ref } = setup(arch, sharp)
        expect([...args.trainable].sort()).toEqual([...ref.trainable].sort())
        const program = await createGlmProgram(args)
        try {
          const r = program.gradients({ inputIds: examples.map((e: any) => e.inputIds), labels: examples.map((e: any) => e.labels) })
          expect(rel(r.lossSum / r.count, ref.loss)).toBeLessThan(1e-5)
          let total = 0
          for (const [name, g] of Object.entries(r.grads)) {
            const n = norm(g) / r.count
            total += n * n
            expect(rel(n, ref.grad_norms[name]), name).toBeLessThan(1e-4)
          }
          expect(rel(Math.sqrt(total), ref.grad_norm_total)).toBeLessThan(1e-4)
        } finally {
          program.dispose()
        }
      })

      it(`${arch} ${set} freeze_last2: 3 AdamW steps through the trainer`, async () => {
        const { args, examples, ref } = setup(arch, sharp)
        const a = ref.adamw
        const result = await Effect.runPromise(
          Effect.scoped(
            Effect.gen(function* () {
              const engine = yield* acquireEngine({ spec: { module: glmProgramModule, args }, workers: 1, padId: 0 })
              return yield* train({
                engine,
                train: examples,
                validation: examples,
                config: {
                  ...trainerDefaults,
                  batchSize: 2,
                  steps: a.steps,
                  lr: a.lr,
                  schedule: "constant",
                  warmupSteps: 0,
                  maxGradNorm: 0,
                  shuffle: false,
                  checkpointEvery: 0,
                  adamw: { beta1: a.betas[0], beta2: a.betas[1], eps: a.eps, weightDecay: a.weight_decay }
                }
              })
            })
          )
        )
        result.lossCurve.forEach((r, i) => expect(rel(r.loss, a.losses_before_each_step[i])).toBeLessThan(1e-5))
        expect(rel(result.finalEvalLoss!, a.loss_after)).toBeLessThan(1e-5)
        if (a.params_after) {
          const want = readSafetensors(join(dir(arch, true), a.params_after))
          expect([...want.keys()].sort()).toEqual([...args.trainable].sort())
          for (const [name, t] of want) {
            const noisy = new Set<number>(a.noise_driven_elements?.[name] ?? [])
            const got = result.params[name]!
            let worst = 0
            for (let i = 0; i < t.data.length; i++) {
              const d = Math.abs(got[i]! - t.data[i]!)
              if (noisy.has(i)) expect(d, `${name}[${i}] (noise-driven)`).toBeLessThanOrEqual(6e-3)
              else worst = Math.max(worst, d)
            }
            expect(worst, name).toBeLessThanOrEqual(2e-6)
          }
        }
      })
    }
  }
})
