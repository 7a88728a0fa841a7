/**
 * Activation recomputation (`layerwiseValueAndGrads`) against the whole-graph gradient
 * (`tf.valueAndGrads` over the forward): the same loss and the same gradient of every trainable
 * tensor, and no tensor left behind, for freeze tuning (the last layer, the last two), P-Tuning v2
 * with and without the projection, LoRA (with dropout), and full training with a tied embedding.
 * Golden fixtures' weights where they exist (glm1 and glm2), seeded tiny models otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import { makeTestStageContext } from "@zaoji/core"
import {
  baseWeightShapes,
  decodeGlmConfig,
  forward,
  glm1Names,
  glm2Names,
  isPrefixTensor,
  loraWeightShapes,
  prefixEncoder,
  presetConfig,
  type Glm1Config,
  type Glm2Config,
  type GlmConfig,
  type WeightMap
} from "@zaoji/glm-runtime"
import { linear, readSafetensors, suiteTitle, useSuiteBackend } from "@zaoji/tensor"
import { expectAllClose, hasShared, sharedPath, sharedSuiteTitle } from "@zaoji/testing"
import { Rng, shiftedTargets, trainingDefaults, weightedCrossEntropySum } from "@zaoji/training"
import { initTensor } from "../src/init.js"
import { createProgram, type GlmProgramArgs } from "../src/program.js"
import { layerwiseValueAndGrads } from "../src/recompute.js"
import { runTraining } from "../src/run.js"

type Arch = "glm1" | "glm2"

beforeAll(async () => {
  await useSuiteBackend("wasm")
})

describe.skipIf(!hasShared)(sharedSuiteTitle(suiteTitle("activation recomputation on the golden weights")), () => {
  for (const arch of ["glm1", "glm2"] as Arch[]) {
    const golden = (file: string) => sharedPath("golden", arch, file)
    const json = (file: string) => JSON.parse(readFileSync(golden(file), "utf8"))
    const batchOf = () => {
      const cases = json("cases.json")
      return { inputIds: cases.train.input_ids as number[][], labels: cases.train.labels as number[][] }
    }
    const layerNames = (cfg: GlmConfig, layer: number) => {
      const p = (cfg.zaoji_arch === "glm1" ? glm1Names : glm2Names).layer(layer)
      return Object.keys(baseWeightShapes(cfg)).filter((n) => n.startsWith(p))
    }

    for (const last of [1, 2]) {
      it(`${arch} freeze of the last ${last} layer(s)`, async () => {
        const cfg = decodeGlmConfig(json("config.json"))
        const trainable = Array.from({ length: last }, (_, k) => layerNames(cfg, cfg.num_layers - 1 - k)).flat()
        await compare(cfg, fileWeights([golden("model.safetensors")]), trainable, batchOf())
      })
    }

    for (const variant of ["prefix_noproj", "prefix_proj"]) {
      it(`${arch} P-Tuning v2 ${variant === "prefix_proj" ? "with" : "without"} projection`, async () => {
        const cfg = decodeGlmConfig(json(`config_${variant}.json`))
        const weights = fileWeights([golden("model.safetensors"), golden(`${variant}.safetensors`)])
        await compare(cfg, weights, Object.keys(weights).filter(isPrefixTensor), batchOf())
      })
    }

    it(`${arch} P-Tuning v2 prefix frozen, the last layer trained (a stage-1 prefix under freeze tuning)`, async () => {
      const cfg = decodeGlmConfig(json("config_prefix_proj.json"))
      const weights = fileWeights([golden("model.safetensors"), golden("prefix_proj.safetensors")])
      await compare(cfg, weights, layerNames(cfg, cfg.num_layers - 1), batchOf())
    })

    it(`${arch} LoRA with dropout on two of three layers`, async () => {
      const cfg = decodeGlmConfig({
        ...json("config.json"),
        zaoji_lora: { r: 4, lora_alpha: 8, lora_dropout: 0.1, target_modules: ["query_key_value", "dense_4h_to_h"], layers_to_transform: [0, 2] }
      })
      const shapes = loraWeightShapes(cfg)
      const weights = { ...fileWeights([golden("model.safetensors")]), ...seeded(shapes, 7) }
      await compare(cfg, weights, Object.keys(shapes), batchOf())
    })
  }
})

describe.skipIf(!hasShared)(sharedSuiteTitle(suiteTitle("the training program with recompute on the golden weights")), () => {
  for (const arch of ["glm1", "glm2"] as Arch[]) {
    const golden = (file: string) => sharedPath("golden", arch, file)
    const json = (file: string) => JSON.parse(readFileSync(golden(file), "utf8"))
    const cases = () => json("cases.json")
    const batch = () => ({ inputIds: cases().train.input_ids as number[][], labels: cases().train.labels as number[][] })
    const layer = (i: number) => (arch === "glm1" ? glm1Names : glm2Names).layer(i)
    const config = json("config.json")
    const base = Object.keys(baseWeightShapes(decodeGlmConfig(config)))

    it(`${arch} freeze of the last layer, P-Tuning v2 with projection, LoRA: the program's loss and gradients`, async () => {
      const lora = { ...config, zaoji_lora: { r: 4, lora_alpha: 8, lora_dropout: 0.1, target_modules: ["query_key_value", "dense"] } }
      await compareProgram({ config, weightFiles: [golden("model.safetensors")], trainable: base.filter((n) => n.startsWith(layer(2))) }, batch())
      await compareProgram(
        { config: json("config_prefix_proj.json"), weightFiles: [golden("model.safetensors"), golden("prefix_proj.safetensors")], trainable: Object.keys(readSafetensorsNames(golden("prefix_proj.safetensors"))) },
        batch()
      )
      await compareProgram({ config: lora, weightFiles: [golden("model.safetensors")], initSeed: 5, trainable: Object.keys(loraWeightShapes(decodeGlmConfig(lora))) }, batch())
    })

    it(`${arch} every tensor trained on row shards (embedding and LM head split at 16 KiB)`, async () => {
      await compareProgram({ config, weightFiles: [golden("model.safetensors")], trainable: base, maxBindingBytes: 16 * 1024 }, batch())
    })
  }
})

describe(suiteTitle("the recompute setting in a training run"), () => {
  const dirs: string[] = []
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

  it("reaches the program and the memory estimate: the same loss curve, the estimate marked", async () => {
    const cfg = presetConfig("micro", { arch: "glm2", pre_seq_len: 4 }) as Glm2Config
    const rng = new Rng(2)
    const train = Array.from({ length: 8 }, () => {
      const ids = [cfg.gmask_token_id!, cfg.sop_token_id!, ...Array.from({ length: 10 }, () => 5 + Math.floor(rng.next() * 400))]
      return { inputIds: ids, labels: ids.map((t, j) => (j < 6 ? -100 : t)) }
    })
    const run = async (recompute: boolean) => {
      const dir = mkdtempSync(join(tmpdir(), "zaoji-recompute-"))
      dirs.push(dir)
      const ctx = makeTestStageContext(dir)
      const result = await Effect.runPromise(
        runTraining({
          ctx,
          config: cfg,
          program: { config: cfg, initSeed: 1, trainable: ["transformer.prefix_encoder.embedding.weight"] },
          padId: cfg.pad_token_id,
          train,
          validation: train.slice(0, 2),
          settings: { ...trainingDefaults({ learningRate: 1e-2 }), steps: 3, batchSize: 4, workers: 1, checkpointEvery: 0, recompute }
        })
      )
      return { result, estimate: ctx.metrics.memory_estimate as { recompute: boolean; activationsBytes: number } }
    }
    const whole = await run(false)
    const layerwise = await run(true)
    expect(whole.estimate.recompute).toBe(false)
    expect(layerwise.estimate.recompute).toBe(true)
    expect(layerwise.estimate.activationsBytes).toBeLessThan(whole.estimate.activationsBytes)
    expect(layerwise.result.lossCurve).toHaveLength(3)
    expectAllClose(layerwise.result.lossCurve.map((r) => r.loss), whole.result.lossCurve.map((r) => r.loss), { rtol: 1e-5 }, { what: "loss curve" })
    expectAllClose([layerwise.result.finalEvalLoss!], [whole.result.finalEvalLoss!], { rtol: 1e-5 }, { what: "final evaluation loss" })
  })
})

describe(suiteTitle("activation recomputation on tiny models"), () => {
  it("the program with recompute holds less at its peak, in a step and in evaluation: freeze of the last of 6 layers at 2 × 128 tokens", async () => {
    const cfg = { ...(presetConfig("tiny", { arch: "glm1" }) as Glm1Config), num_layers: 6 }
    const trainable = Object.keys(baseWeightShapes(decodeGlmConfig(cfg))).filter((n) => n.startsWith(glm1Names.layer(5)))
    const rng = new Rng(5)
    const row = () => [...Array.from({ length: 62 }, () => 5 + Math.floor(rng.next() * 400)), cfg.gmask_token_id, cfg.bos_token_id, ...Array.from({ length: 64 }, () => 5 + Math.floor(rng.next() * 400))]
    const inputIds = [row(), row()]
    const batch = { inputIds, labels: inputIds.map((r) => r.map((t, j) => (j < 64 ? -100 : t))) }
    const peak = async (recompute: boolean) => {
      const program = await createProgram({ config: cfg, initSeed: 0, trainable, recompute })
      try {
        await program.gradients(batch)
        const before = tf.memory().numBytes
        // tf.profile returns the engine's one profile object: read each figure before the next profile
        const peakOf = async (f: () => Promise<unknown>) =>
          (await tf.profile(async () => {
            await f()
            return undefined as unknown as tf.TensorContainer
          })).peakBytes - before
        const step = await peakOf(() => program.gradients(batch))
        const evaluation = await peakOf(() => program.evalLoss(batch))
        return { step, evaluation }
      } finally {
        program.dispose()
      }
    }
    const whole = await peak(false)
    const layerwise = await peak(true)
    // the tape of the whole graph holds all six layers' activations; recomputation one layer's
    // and the last layer's input (tensor bytes are exact counts, not timings; 0.20 and 0.18 measured)
    expect(layerwise.step).toBeLessThan(0.5 * whole.step)
    // evaluation: one tidy over the whole forward holds every layer's intermediates until its end
    expect(layerwise.evaluation).toBeLessThan(0.5 * whole.evaluation)
  })

  for (const arch of ["glm1", "glm2"] as Arch[]) {
    it(`${arch}: every tensor trained${arch === "glm2" ? " (tied embedding)" : ""}, some positions without a target`, async () => {
      const preset = presetConfig("tiny", { arch })
      const cfg = arch === "glm2" ? decodeGlmConfig({ ...preset, tie_word_embeddings: true }) : preset
      const shapes = baseWeightShapes(cfg)
      expect(shapes[glm2Names.head]).toBeUndefined()
      const weights = seeded(shapes, 3, cfg)
      const rng = new Rng(11)
      const text = (n: number) => Array.from({ length: n }, () => 5 + Math.floor(rng.next() * 400))
      // prompt + [gMASK] <sop>/<bos> + answer, as the chat formats lay it out
      const gmask = cfg.gmask_token_id!
      const bos = cfg.zaoji_arch === "glm1" ? cfg.bos_token_id : cfg.sop_token_id!
      const inputIds = [0, 1, 2].map(() => [...text(4), gmask, bos, ...text(4)])
      // targets on the answers; the second row's last two positions have none
      const labels = inputIds.map((r, i) => r.map((t, j) => (j < 6 || (i === 1 && j >= 8) ? -100 : t)))
      await compare(cfg, weights, Object.keys(shapes), { inputIds, labels })
    })

    it(`${arch}: only the final norm and LM head trained (no layer differentiated), then only the embedding`, async () => {
      const cfg = presetConfig("tiny", { arch })
      const names = cfg.zaoji_arch === "glm1" ? glm1Names : glm2Names
      const shapes = baseWeightShapes(cfg)
      const rng = new Rng(12)
      const text = (n: number) => Array.from({ length: n }, () => 5 + Math.floor(rng.next() * 400))
      const bos = cfg.zaoji_arch === "glm1" ? cfg.bos_token_id : cfg.sop_token_id!
      const inputIds = [0, 1].map(() => [...text(3), cfg.gmask_token_id!, bos, ...text(3)])
      const labels = inputIds.map((r) => r.map((t, j) => (j < 5 ? -100 : t)))
      const top = Object.keys(shapes).filter((n) => n === names.head || n.startsWith(names.finalNorm))
      await compare(cfg, seeded(shapes, 4, cfg), top, { inputIds, labels })
      await compare(cfg, seeded(shapes, 4, cfg), [names.embedding], { inputIds, labels })
    })
  }
})

// internal

const readSafetensorsNames = (file: string) => Object.fromEntries([...readSafetensors(file).keys()].map((n) => [n, true]))

/**
 * The program with and without `recompute`: the same loss, count and gradients over two steps, and
 * the program's tensor count back where it was after each step.
 */
const compareProgram = async (args: GlmProgramArgs, batch: Batch): Promise<void> => {
  const whole = await createProgram(args)
  const layerwise = await createProgram({ ...args, recompute: true })
  try {
    const want = await whole.gradients(batch)
    const start = layerwise.memory().numTensors
    const evalWant = await whole.evalLoss(batch)
    const evalGot = await layerwise.evalLoss(batch)
    expect(layerwise.memory().numTensors).toBe(start)
    expect(evalGot.count).toBe(evalWant.count)
    expectAllClose([evalGot.lossSum], [evalWant.lossSum], { rtol: 1e-6 }, { what: "evaluation loss" })
    for (let step = 0; step < 2; step++) {
      const got = await layerwise.gradients(batch)
      expect(layerwise.memory().numTensors).toBe(start)
      expect(got.count).toBe(want.count)
      expectAllClose([got.lossSum], [want.lossSum], { rtol: 1e-6 }, { what: "loss" })
      expect(Object.keys(got.grads).sort()).toEqual(Object.keys(want.grads).sort())
      for (const [name, g] of Object.entries(want.grads)) {
        const scale = g.reduce((m, x) => Math.max(m, Math.abs(x)), 0)
        expect(scale).toBeGreaterThan(0)
        expectAllClose(got.grads[name]!, g, { atol: 1e-5 * scale, rtol: 1e-4 }, { what: `gradient of ${name}` })
      }
    }
  } finally {
    whole.dispose()
    layerwise.dispose()
  }
}

interface Batch {
  readonly inputIds: number[][]
  readonly labels: number[][]
}

/**
 * Both paths on the same weights, batch and head; equal results, and every tensor either path made
 * disposed after it (checked after each path, and after a second layerwise step).
 */
const compare = async (cfg: GlmConfig, weights: WeightMap, trainable: string[], batch: Batch): Promise<void> => {
  expect(trainable.length).toBeGreaterThan(0)
  const prefixFrozen = (cfg.pre_seq_len ?? 0) > 0 && !trainable.some(isPrefixTensor) ? prefixEncoder(cfg, weights) : undefined
  try {
    const start = tf.memory().numTensors
    const whole = wholeGraph(cfg, weights, trainable, batch, prefixFrozen)
    const wholeValues = { value: (await whole.value.data())[0]!, grads: await readGrads(whole.grads) }
    tf.dispose([whole.value, ...Object.values(whole.grads)])
    expect(tf.memory().numTensors).toBe(start)
    for (let step = 0; step < 2; step++) {
      const r = await layerwiseValueAndGrads({
        cfg,
        weights,
        trainable,
        batch: { inputIds: batch.inputIds, padLeft: batch.inputIds.map(() => 0) },
        ...(prefixFrozen ? { prefixKv: prefixFrozen } : {}),
        loss: headLoss(cfg, trainable, batch.labels)
      })
      const got = { value: (await r.value.data())[0]!, grads: await readGrads(r.grads) }
      tf.dispose([r.value, ...Object.values(r.grads)])
      expect(tf.memory().numTensors).toBe(start)
      expectAllClose([got.value], [wholeValues.value], { rtol: 1e-6 }, { what: "loss" })
      expect(Object.keys(got.grads).sort()).toEqual([...trainable].sort())
      for (const name of trainable) {
        const want = wholeValues.grads[name]!
        const scale = want.reduce((m, x) => Math.max(m, Math.abs(x)), 0)
        expect(scale).toBeGreaterThan(0)
        expectAllClose(got.grads[name]!, want, { atol: 1e-5 * scale, rtol: 1e-4 }, { what: `gradient of ${name}` })
      }
    }
  } finally {
    prefixFrozen?.dispose()
    tf.dispose(Object.values(weights))
  }
}

/** the reference: one `tf.valueAndGrads` over the whole forward and the same head */
const wholeGraph = (cfg: GlmConfig, weights: WeightMap, trainable: string[], batch: Batch, prefixFrozen: tf.Tensor | undefined) => {
  const loss = headLoss(cfg, trainable, batch.labels)
  const hasPrefix = (cfg.pre_seq_len ?? 0) > 0
  const { value, grads } = tf.valueAndGrads((...ps: tf.Tensor[]) => {
    const w: Record<string, tf.Tensor> = { ...weights }
    trainable.forEach((n, k) => (w[n] = ps[k]!))
    const prefixKv = hasPrefix ? (prefixFrozen ?? prefixEncoder(cfg, w)) : undefined
    const out = forward(
      cfg,
      w,
      { inputIds: batch.inputIds, padLeft: batch.inputIds.map(() => 0), ...(prefixKv ? { prefixKv } : {}) },
      { logits: "none", hidden: true, trainable: new Set(trainable) }
    )
    const normed = out.hidden![out.hidden!.length - 1]!
    return loss(tf.reshape(normed, [-1, cfg.hidden_size]) as tf.Tensor2D, w)
  })(trainable.map((n) => weights[n]!))
  return { value, grads: Object.fromEntries(trainable.map((n, k) => [n, grads[k]!])) }
}

/** LM head over every position, cross-entropy summed over the targets */
const headLoss = (cfg: GlmConfig, trainable: string[], labels: number[][]) => {
  const head = cfg.zaoji_arch === "glm1" ? glm1Names.head : cfg.tie_word_embeddings ? glm2Names.embedding : glm2Names.head
  const { targets, weights } = shiftedTargets(labels)
  return (normed: tf.Tensor2D, w: WeightMap): tf.Scalar =>
    weightedCrossEntropySum(linear(normed, w[head] as tf.Tensor2D, { weightGrad: trainable.includes(head) }) as tf.Tensor2D, targets, weights)
}

const fileWeights = (files: string[]): Record<string, tf.Tensor> => {
  const out: Record<string, tf.Tensor> = {}
  for (const f of files) for (const [name, t] of readSafetensors(f)) out[name] = tf.tensor(t.data, [...t.shape], "float32")
  return out
}

/** seeded values: the training initialisation for a config's own tensors, N(0, 0.1) for LoRA tensors */
const seeded = (shapes: Readonly<Record<string, ReadonlyArray<number>>>, seed: number, cfg?: GlmConfig): Record<string, tf.Tensor> => {
  const out: Record<string, tf.Tensor> = {}
  const rng = new Rng(seed)
  for (const [name, shape] of Object.entries(shapes)) {
    const data = cfg !== undefined ? initTensor(cfg, name, shape, seed) : Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * 0.1)
    out[name] = tf.tensor(data, [...shape], "float32")
  }
  return out
}

const readGrads = async (grads: Record<string, tf.Tensor>): Promise<Record<string, Float32Array>> => {
  const out: Record<string, Float32Array> = {}
  for (const [n, g] of Object.entries(grads)) out[n] = Float32Array.from(await g.data())
  return out
}
