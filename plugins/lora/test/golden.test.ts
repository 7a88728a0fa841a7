/**
 * LoRA against the project's golden fixtures (test/fixtures, written by
 * scripts/generate_fixtures.py from the PyTorch reference plus the LoRA formula), glm1 and glm2:
 * loss and the full gradients of A and B, three AdamW steps through the trainer, the adapter
 * model's logits, and the merge W + (α/r)·B A.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import * as tf from "@tensorflow/tfjs"
import { decodeGlmConfig, forward, fromPeftName, mergeLoraInto, type GlmConfig } from "@zaoji/glm-runtime"
import { createGlmProgram, glmProgramModule } from "@zaoji/fine-tuning/kit"
import { readSafetensors, suiteTitle, useSuiteBackend, writeSafetensors } from "@zaoji/tensor"
import { backendTolerance, expectAllClose, gradientTolerance, noiseDrivenElements, paramTolerance, startMeanGradients, trainGoldenAdamwSteps } from "@zaoji/testing"

type Arch = "glm1" | "glm2"
const fixtures = join(dirname(fileURLToPath(import.meta.url)), "fixtures")
const tmp = mkdtempSync(join(tmpdir(), "zaoji-lora-golden-"))

const setup = (arch: Arch) => {
  const dir = join(fixtures, arch)
  const cases = JSON.parse(readFileSync(join(dir, "cases.json"), "utf8"))
  const { scaling: _scaling, ...lora } = cases.lora
  const config = { ...JSON.parse(readFileSync(join(dir, "config.json"), "utf8")), zaoji_lora: lora }
  // the training program takes runtime names: PEFT's wrapper prefix removed
  const init = new Map([...readSafetensors(join(dir, "lora_init.safetensors"))].map(([n, t]) => [fromPeftName(n), t]))
  const initFile = join(tmp, `${arch}-init.safetensors`)
  writeSafetensors(initFile, init)
  const trainable = [...init.keys()]
  const args = { config, weightFiles: [join(dir, "model_f16.safetensors"), initFile], trainable }
  const batch = { inputIds: cases.input_ids as number[][], labels: cases.labels as number[][] }
  return { dir, cases, config, args, batch, init }
}

const peft = (dir: string, file: string) => new Map([...readSafetensors(join(dir, file))].map(([n, t]) => [fromPeftName(n), t]))

// every tolerance below is this backend's (backendTolerance.ts in @zaoji/testing)
let backend = "wasm"
beforeAll(async () => {
  backend = await useSuiteBackend("wasm")
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe(suiteTitle("LoRA golden fixtures"), () => {
  for (const arch of ["glm1", "glm2"] as Arch[]) {
    it(`${arch}: loss and the gradients of every A and B`, async () => {
      const { dir, cases, args, batch } = setup(arch)
      const program = await createGlmProgram(args)
      try {
        const r = await program.gradients(batch)
        expectAllClose([r.lossSum / r.count], [cases.loss], backendTolerance("loss", backend), { what: "loss" })
        const want = peft(dir, cases.grads)
        expect(Object.keys(r.grads).sort()).toEqual([...want.keys()].sort())
        for (const [name, g] of want) {
          // gradients of the loss sum → of the mean, as the reference reports them
          const got = Float32Array.from(r.grads[name]!, (x) => x / r.count)
          expectAllClose(got, g.data, gradientTolerance(g.data, backend), { what: name })
        }
      } finally {
        program.dispose()
      }
    })

    it(`${arch}: three AdamW steps through the trainer`, async () => {
      const { dir, cases, args, batch } = setup(arch)
      const a = cases.adamw
      const examples = batch.inputIds.map((ids, i) => ({ inputIds: ids, labels: batch.labels[i]! }))
      const result = await trainGoldenAdamwSteps({ module: glmProgramModule, args }, examples, a)
      expectAllClose(result.lossCurve.map((r) => r.loss), a.losses_before_each_step, backendTolerance("loss", backend), { what: "losses before each step" })
      expectAllClose([result.finalEvalLoss!], [a.loss_after], backendTolerance("loss", backend), { what: "loss after 3 steps" })
      const want = peft(dir, a.params_after)
      expect(Object.keys(result.params).sort()).toEqual([...want.keys()].sort())
      expect(Object.keys(a.noise_driven_elements)).toEqual([])
      const noisy = noiseDrivenElements(backend, await startMeanGradients({ module: glmProgramModule, args }, examples), a.noise_driven_elements)
      for (const [name, t] of want) expectAllClose(result.params[name]!, t.data, paramTolerance(backend, noisy[name]), { what: name })
    })

    it(`${arch}: the adapter model's logits, unmerged and merged`, async () => {
      const { dir, cases, config, init } = setup(arch)
      const cfg = decodeGlmConfig(config)
      const want = new Float32Array(readFileSync(join(dir, cases.logits.file)).buffer.slice(0))
      const base = readSafetensors(join(dir, "model_f16.safetensors"))
      const weights: Record<string, tf.Tensor> = {}
      for (const [n, t] of base) weights[n] = tf.tensor(t.data, [...t.shape])
      const adapter: Record<string, tf.Tensor> = {}
      for (const [n, t] of init) adapter[n] = tf.tensor(t.data, [...t.shape])
      const before = tf.memory().numTensors
      // reads are asynchronous: a GPU backend has no synchronous read
      const run = async (c: GlmConfig, w: Record<string, tf.Tensor>) => {
        const out = forward(c, w, { inputIds: cases.input_ids })
        const v = (await out.logits!.data()) as Float32Array
        out.logits!.dispose()
        return v
      }
      const unmerged = await run(cfg, { ...weights, ...adapter })
      expect(tf.memory().numTensors).toBe(before)
      expectAllClose(unmerged, want, backendTolerance("logits", backend), { what: "unmerged logits" })

      // merge: each target weight is W + (α/r)·B A
      const { zaoji_lora: settings, ...plain } = cfg
      mergeLoraInto(weights, plain as GlmConfig, settings!, adapter)
      const merged = peft(dir, cases.merged)
      expect(merged.size).toBe(init.size / 2)
      for (const [n, t] of merged) expectAllClose((await weights[n]!.data()) as Float32Array, t.data, backendTolerance("merged", backend), { what: n })
      expectAllClose(await run(plain as GlmConfig, weights), want, backendTolerance("logits", backend), { what: "merged logits" })
      tf.dispose(Object.values(weights))
    })
  }
})
