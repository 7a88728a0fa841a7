/**
 * The training program on row-sharded weights: with a forced 40 KiB shard limit (tiny's 512 × 64
 * embedding and LM head make 4 shards each, its QKV and MLP matrices 2), freeze tuning of the last
 * layer, P-Tuning v2 and training every tensor (pretraining: a trainable sharded embedding and head)
 * take the same AdamW steps as on whole weights — the same losses and trained values — while the
 * trainer sees whole tensors under their official names, and the live tensor count stays flat
 * across steps; a program built from a model folder streams it in shards of the forced size. program.shards.webgpu.test.ts re-runs this on WebGPU.
 */
import * as tf from "@tensorflow/tfjs"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { suiteTitle, useSuiteBackend } from "@zaoji/tensor"
import { backendTolerance, expectAllClose, noiseDrivenElements, paramTolerance } from "@zaoji/testing"
import { adamwStep, initAdamWState, type TrainProgram } from "@zaoji/training"
import { baseWeightShapes, glm1Names, glm2Names, initWeights, prefixNames, presetConfig, saveModelFolder, type GlmConfig } from "@zaoji/glm-runtime"
import { createProgram as createGlmProgram, type GlmProgramArgs } from "../src/program.js"

/** 40 KiB per shard: below every tiny matrix of 48 KiB or more */
const LIMIT = 40 * 1024
const STEPS = 3
const LR = 1e-3

type Mode = "freeze" | "prefix" | "all"

const configFor = (arch: "glm1" | "glm2", mode: Mode): GlmConfig => presetConfig("tiny", { arch, ...(mode === "prefix" ? { pre_seq_len: 4 } : {}) })

const argsFor = (arch: "glm1" | "glm2", mode: Mode): GlmProgramArgs & { readonly config: GlmConfig } => {
  const cfg = configFor(arch, mode)
  const names = arch === "glm1" ? glm1Names : glm2Names
  const last = names.layer(cfg.num_layers - 1)
  const all = Object.keys(baseWeightShapes(cfg))
  const trainable = mode === "prefix" ? [prefixNames.embedding] : mode === "all" ? all : all.filter((n) => n.startsWith(last))
  return { config: cfg, initSeed: 5, trainable }
}

/** two rows of 8 tokens, the loss on the second half (glm1 rows carry [gMASK, <sop>]) */
const batchFor = (cfg: GlmConfig) => {
  const c = cfg as { gmask_token_id?: number; bos_token_id?: number; sop_token_id?: number }
  const lead = [c.gmask_token_id ?? 1, c.bos_token_id ?? c.sop_token_id ?? 2]
  const rows = [
    [20, 31, ...lead, 42, 53, 64, 75],
    [11, 12, ...lead, 13, 14, 15, 16]
  ]
  return { inputIds: rows, labels: rows.map((r) => r.map((x, i) => (i < 4 ? -100 : x))) }
}

interface Run {
  readonly losses: number[]
  readonly params: Record<string, Float32Array>
  readonly specs: TrainProgram["trainable"]
  readonly liveTensors: number[]
  /** the first step's gradients of the mean loss */
  readonly startGradients: Record<string, Float32Array>
}

/** STEPS AdamW steps as the trainer takes them: gradients of the sum, mean, update on the host, upload */
const train = async (args: GlmProgramArgs, cfg: GlmConfig): Promise<Run> => {
  const program = await createGlmProgram(args)
  try {
    const params = await program.initial()
    const adam = initAdamWState(params)
    const batch = batchFor(cfg)
    const losses: number[] = []
    const liveTensors: number[] = []
    let startGradients: Record<string, Float32Array> = {}
    for (let i = 0; i < STEPS; i++) {
      const r = await program.gradients(batch)
      losses.push(r.lossSum / r.count)
      for (const g of Object.values(r.grads)) for (let j = 0; j < g.length; j++) g[j] = g[j]! / r.count
      if (i === 0) startGradients = Object.fromEntries(Object.entries(r.grads).map(([n, g]) => [n, g.slice()]))
      adamwStep(params, r.grads, adam, LR)
      program.setTrainable(params)
      liveTensors.push(program.memory().numTensors)
    }
    const evalLoss = await program.evalLoss(batch)
    losses.push(evalLoss.lossSum / evalLoss.count)
    return { losses, params, specs: program.trainable, liveTensors, startGradients }
  } finally {
    program.dispose()
  }
}

beforeAll(async () => {
  await useSuiteBackend("wasm")
})

for (const arch of ["glm1", "glm2"] as const) {
  describe(suiteTitle(`the ${arch} training program on row-sharded weights`), () => {
    let before = 0
    beforeAll(() => {
      before = tf.memory().numTensors
    })
    afterAll(() => {
      // every program disposed everything it made
      expect(tf.memory().numTensors).toBe(before)
    })

    for (const mode of ["freeze", "prefix", "all"] as const) {
      it(`${mode}: ${STEPS} AdamW steps equal the whole weights' steps; tensor counts flat`, async () => {
        const args = argsFor(arch, mode)
        const whole = await train({ ...args, maxBindingBytes: Number.POSITIVE_INFINITY }, args.config)
        const sharded = await train({ ...args, maxBindingBytes: LIMIT }, args.config)
        expectSameSteps(whole, sharded, mode)
      })
    }

    it("freeze from a model folder: the folder streams in shards and the steps equal the whole folder's", async () => {
      const cfg = configFor(arch, "freeze")
      const dir = mkdtempSync(join(tmpdir(), "zaoji-shard-program-"))
      try {
        const weights = initWeights(cfg, { seed: 3, std: 0.2 })
        saveModelFolder(join(dir, "m"), cfg, weights)
        tf.dispose(Object.values(weights))
        const { trainable } = argsFor(arch, "freeze")
        const whole = await train({ modelDir: join(dir, "m"), trainable, maxBindingBytes: Number.POSITIVE_INFINITY }, cfg)
        const sharded = await train({ modelDir: join(dir, "m"), trainable, maxBindingBytes: LIMIT }, cfg)
        expectSameSteps(whole, sharded, "freeze (folder)")
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  })
}

/** sharded steps equal whole ones (see the file's comment); the counts flat; the loss fell */
const expectSameSteps = (whole: Run, sharded: Run, mode: string): void => {
  // the trainer sees whole tensors under their official names either way
  expect(sharded.specs).toEqual(whole.specs)
  // the sharded program really holds more (smaller) tensors
  expect(sharded.liveTensors[0]!).toBeGreaterThan(whole.liveTensors[0]!)
  // the same products in shard-sized pieces; the input gradient of a sharded linear adds its
  // shards' parts in another order, so AdamW's noise-driven elements may differ as on a GPU
  const backend = tf.getBackend()
  expectAllClose(sharded.losses, whole.losses, backendTolerance("loss", backend), { what: `${mode} losses before each step and after` })
  const noisy = noiseDrivenElements(backend, whole.startGradients)
  for (const spec of whole.specs) {
    expectAllClose(sharded.params[spec.name]!, whole.params[spec.name]!, paramTolerance(backend, noisy[spec.name]), { what: `${spec.name} after ${STEPS} steps` })
  }
  expect(new Set(sharded.liveTensors).size, `live tensors per step ${sharded.liveTensors.join(", ")}`).toBe(1)
  expect(new Set(whole.liveTensors).size, `live tensors per step ${whole.liveTensors.join(", ")}`).toBe(1)
  // the loss fell: the steps trained something
  expect(sharded.losses[STEPS]!).toBeLessThan(sharded.losses[0]!)
}
