/**
 * P-Tuning v2 against the golden training fixtures (glm1 and glm2, base and sharp weight sets):
 * loss with a prefix, gradient norms of the prefix tensors, the full prefix gradient, and the
 * prefix after exactly 3 AdamW steps through the shared trainer.
 */
import { beforeAll, describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { createGlmProgram, glmProgramModule } from "@zaoji/glm-runtime"
import { readSafetensors, useBackend } from "@zaoji/tensor"
import { hasShared, sharedPath, sharedSkipReason } from "@zaoji/testing"
import { acquireEngine, norm, train, trainerDefaults } from "@zaoji/training"
import { prefixTensorNames } from "../src/index.js"

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

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b)

describe.skipIf(!hasShared)(`P-Tuning v2 golden training cases ${hasShared ? "" : sharedSkipReason}`, () => {
  beforeAll(async () => {
    await useBackend("wasm")
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
            const r = program.gradients({ inputIds: examples.map((e: any) => e.inputIds), labels: examples.map((e: any) => e.labels) })
            expect(rel(r.lossSum / r.count, ref.loss)).toBeLessThan(1e-5)
            let total = 0
            for (const [name, g] of Object.entries(r.grads)) {
              const n = norm(g) / r.count
              total += n * n
              expect(rel(n, ref.grad_norms[name])).toBeLessThan(1e-4)
            }
            expect(rel(Math.sqrt(total), ref.grad_norm_total)).toBeLessThan(1e-4)
            if (ref.grads) {
              const want = readSafetensors(join(dir(arch, false), ref.grads))
              for (const [name, t] of want) {
                const got = r.grads[name]!
                let diff = 0
                let scale = 0
                for (let i = 0; i < t.data.length; i++) {
                  diff = Math.max(diff, Math.abs(got[i]! / r.count - t.data[i]!))
                  scale = Math.max(scale, Math.abs(t.data[i]!))
                }
                expect(diff).toBeLessThanOrEqual(1e-4 * scale)
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
          for (const [name, t] of want) {
            const noisy = new Set<number>(a.noise_driven_elements?.[name] ?? [])
            const got = result.params[name]!
            for (let i = 0; i < t.data.length; i++) {
              const tol = noisy.has(i) ? 6e-3 : 2e-6
              if (Math.abs(got[i]! - t.data[i]!) > tol) throw new Error(`${name}[${i}]: ${got[i]} vs ${t.data[i]}`)
            }
          }
        }
        expect(cases.arch).toBe(arch)
      })
    }
  }
})
