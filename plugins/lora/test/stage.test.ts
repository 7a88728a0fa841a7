import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import * as tf from "@tensorflow/tfjs"
import { Effect, Exit, Fiber } from "effect"
import { artifactOf, runStageOnce, type Artifact } from "@zaoji/core"
import { decodeGlmConfig, forward, fromPeftName, loadModelFolder, loraScaling, readLoraConfig, type GlmConfig } from "@zaoji/glm-runtime"
import { createGlmProgram } from "@zaoji/fine-tuning/kit"
import { tuningFixture } from "@zaoji/fine-tuning/testing"
import { readSafetensors, useBackend, writeSafetensors } from "@zaoji/tensor"
import { expectAllClose, expectBitwiseEqual } from "@zaoji/testing"
import { initialAdapter, Lora, loraSettings } from "../src/kit.js"

const { train } = Lora

/** an optional input left unwired (the engine passes no artifact for it) */
const unwired = undefined as never

const dirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "zaoji-lora-"))
  dirs.push(d)
  return d
}

/** the shared tuning fixture in a fresh temp folder */
const fixture = (arch: "glm1" | "glm2", withPrefix: boolean) => tuningFixture(tmp(), arch, withPrefix)

const config = {
  rank: 4,
  alpha: 8,
  targetModules: ["query_key_value", "dense_4h_to_h"] as const,
  steps: 12,
  batchSize: 4,
  learningRate: 1e-2,
  workers: 1 as const,
  validationRatio: 0.2,
  evalEvery: 6
}

const prompt = [[5, 6, 7, 8, 9, 10]]

/** token rows in the architecture's prompt layout (glm1: text [gMASK] <bos> …; glm2: [gMASK] sop …) */
const layout = (cfg: GlmConfig, rows: ReadonlyArray<ReadonlyArray<number>>): number[][] =>
  rows.map((r) => (cfg.zaoji_arch === "glm1" ? [...r.slice(0, 3), cfg.gmask_token_id, cfg.bos_token_id, ...r.slice(3)] : [cfg.gmask_token_id!, cfg.sop_token_id!, ...r]))

/** last-position logits of a loaded model folder */
const folderLogits = (dir: string, ids: number[][]): { logits: Float32Array; cfg: GlmConfig } => {
  const loaded = loadModelFolder(dir)
  try {
    const ready = layout(loaded.model.config, ids)
    const out = forward(loaded.model.config, loaded.model.weights, { inputIds: ready, ...(loaded.model.prefixKv ? { prefixKv: loaded.model.prefixKv } : {}) }, { prepared: loaded.model.prepared })
    const logits = out.logits!.dataSync() as Float32Array
    out.logits!.dispose()
    return { logits, cfg: loaded.model.config }
  } finally {
    loaded.model.dispose()
  }
}

/**
 * Logits of the input model with the saved adapter applied unmerged (the training forward):
 * the adapter's tensors, read back under their PEFT names, beside the input model's weights.
 */
const unmergedLogits = (inputDir: string, adapterDir: string, ids: number[][]): Float32Array => {
  const loaded = loadModelFolder(inputDir, { prepare: false })
  const settings = readLoraConfig(join(adapterDir, "adapter_config.json"))
  const cfg = { ...loaded.model.config, zaoji_lora: settings } as GlmConfig
  const adapter: Record<string, tf.Tensor> = {}
  for (const [n, t] of readSafetensors(join(adapterDir, "adapter_model.safetensors"))) adapter[fromPeftName(n)] = tf.tensor(t.data, [...t.shape])
  try {
    const ready = layout(cfg, ids)
    const out = forward(cfg, { ...loaded.model.weights, ...adapter }, { inputIds: ready, ...(loaded.model.prefixKv ? { prefixKv: loaded.model.prefixKv } : {}) })
    const logits = out.logits!.dataSync() as Float32Array
    out.logits!.dispose()
    return logits
  } finally {
    tf.dispose(Object.values(adapter))
    loaded.model.dispose()
  }
}

beforeAll(async () => {
  await useBackend("wasm")
})
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe("lora.train stage", () => {
  for (const arch of ["glm1", "glm2"] as const) {
    it(`${arch}: trains A and B only, saves a PEFT adapter, and loads back to the same logits`, async () => {
      const { root, model, data, baseModelDir } = fixture(arch, false)
      const out = await Effect.runPromise(runStageOnce(train, config, { model, data, validation: unwired }, join(root, "stage")))
      expect(out.value.method).toBe("lora")
      const dir = join(out.dir, "model")
      expect(existsSync(join(dir, ".lora-init.safetensors"))).toBe(false)
      expect(existsSync(join(dir, "model.safetensors"))).toBe(false)
      const layer = arch === "glm1" ? "transformer.layers" : "transformer.encoder.layers"
      const attn = arch === "glm1" ? "attention" : "self_attention"
      const tensors = readSafetensors(join(dir, "adapter_model.safetensors"))
      expect([...tensors.keys()].sort()).toEqual(
        [0, 1].flatMap((i) => [`${attn}.query_key_value`, "mlp.dense_4h_to_h"].flatMap((m) => ["A", "B"].map((ab) => `base_model.model.${layer}.${i}.${m}.lora_${ab}.weight`))).sort()
      )
      const peft = JSON.parse(readFileSync(join(dir, "adapter_config.json"), "utf8"))
      expect(peft).toMatchObject({ peft_type: "LORA", task_type: "CAUSAL_LM", r: 4, lora_alpha: 8, lora_dropout: 0, target_modules: ["query_key_value", "dense_4h_to_h"], layers_to_transform: null, bias: "none", fan_in_fan_out: false })
      expect(resolve(dir, peft.base_model_name_or_path)).toBe(resolve(baseModelDir))
      const manifest = JSON.parse(readFileSync(join(dir, "zaoji-model.json"), "utf8"))
      expect(resolve(dir, manifest.base)).toBe(resolve(baseModelDir))
      expect(manifest.adapters).toEqual([{ type: "lora", file: "adapter_model.safetensors", config: "adapter_config.json" }])
      // every B moved away from its zero start: the adapter changes the model
      for (const [n, t] of tensors) if (n.endsWith("lora_B.weight")) expect(t.data.some((x) => x !== 0), n).toBe(true)
      const t = out.value.training
      expect(t.evalCurve[1]!.loss).toBeLessThan(t.evalCurve[0]!.loss)
      const d = decodeGlmConfig(JSON.parse(readFileSync(join(baseModelDir, "config.json"), "utf8")))
      const H = d.hidden_size
      const qkvOut = arch === "glm1" ? 3 * H : (d as any).num_attention_heads * (d as any).kv_channels + 2 * (d as any).multi_query_group_num * (d as any).kv_channels
      const ffn = arch === "glm1" ? (d as any).inner_hidden_size : (d as any).ffn_hidden_size
      expect(t.trainableParams).toBe(2 * (4 * H + qkvOut * 4 + 4 * ffn + H * 4))

      // saved then loaded (merged as it loads) = the unmerged training forward with the saved tensors
      const loaded = folderLogits(dir, prompt)
      expect(loaded.cfg.zaoji_lora).toBeUndefined()
      expectAllClose(loaded.logits, unmergedLogits(baseModelDir, dir, prompt), { atol: 1e-5, rtol: 1e-5 }, { what: "loaded vs unmerged logits" })
      // and the adapter matters: the base alone answers differently
      const base = folderLogits(baseModelDir, prompt).logits
      expect(base.some((x, i) => Math.abs(x - loaded.logits[i]!) > 1e-3)).toBe(true)
    })
  }

  it("merge: the standalone model is base + (α/r)·B A, with the adapter's logits", async () => {
    const { root, model, data, baseModelDir } = fixture("glm2", false)
    const out = await Effect.runPromise(runStageOnce(train, { ...config, merge: true, layers: [1] }, { model, data, validation: unwired }, join(root, "stage")))
    const dir = join(out.dir, "model")
    const adapterDir = join(out.dir, "adapter")
    expect(existsSync(join(dir, "zaoji-model.json"))).toBe(false)
    expect(existsSync(join(dir, "tokenizer_config.json")) || existsSync(join(dir, "tokenizer.json")) || existsSync(join(dir, "tokenizer.model"))).toBe(true)
    const settings = readLoraConfig(join(adapterDir, "adapter_config.json"))
    expect(settings.layers_to_transform).toEqual([1])
    const s = loraScaling(settings)
    expect(s).toBe(2)
    const adapter = new Map([...readSafetensors(join(adapterDir, "adapter_model.safetensors"))].map(([n, t]) => [fromPeftName(n), t]))
    expect(adapter.size).toBe(4)
    const base = readSafetensors(join(baseModelDir, "model.safetensors"))
    const merged = readSafetensors(join(dir, "model.safetensors"))
    expect([...merged.keys()].sort()).toEqual([...base.keys()].sort())
    for (const [name, w] of base) {
      const m = merged.get(name)!
      const a = adapter.get(name.replace(/\.weight$/, ".lora_A.weight"))
      const b = adapter.get(name.replace(/\.weight$/, ".lora_B.weight"))
      if (a === undefined || b === undefined) {
        expect(Array.from(m.data), name).toEqual(Array.from(w.data))
        continue
      }
      expect(name).toContain("layers.1.")
      const [outDim, inDim] = w.shape as [number, number]
      const r = a.shape[0]!
      const want = new Float32Array(outDim * inDim)
      for (let o = 0; o < outDim; o++)
        for (let i = 0; i < inDim; i++) {
          let ba = 0
          for (let k = 0; k < r; k++) ba += b.data[o * r + k]! * a.data[k * inDim + i]!
          want[o * inDim + i] = w.data[o * inDim + i]! + s * ba
        }
      expectAllClose(m.data, want, { atol: 1e-6, rtol: 1e-6 }, { what: name })
    }
    // the merged export answers as the adapter folder and as the unmerged forward
    const fromMerged = folderLogits(dir, prompt).logits
    expectAllClose(fromMerged, folderLogits(adapterDir, prompt).logits, { atol: 1e-5 }, { what: "merged vs adapter folder" })
    expectAllClose(fromMerged, unmergedLogits(baseModelDir, adapterDir, prompt), { atol: 1e-5, rtol: 1e-5 }, { what: "merged vs unmerged" })
  })

  it("keeps a stage-1 prefix frozen and carries it before the adapter", async () => {
    const { root, model, data, baseModelDir } = fixture("glm1", true)
    const stage1Dir = join(model.dir, "model")
    const out = await Effect.runPromise(runStageOnce(train, { ...config, targetModules: ["dense_h_to_4h"], layers: [0] }, { model, data, validation: unwired }, join(root, "stage")))
    const dir = join(out.dir, "model")
    const manifest = JSON.parse(readFileSync(join(dir, "zaoji-model.json"), "utf8"))
    expect(manifest.adapters.map((a: any) => a.type)).toEqual(["prefix", "lora"])
    expect(readFileSync(join(dir, "prefix_encoder.safetensors")).equals(readFileSync(join(stage1Dir, "prefix_encoder.safetensors")))).toBe(true)
    expect([...readSafetensors(join(dir, "adapter_model.safetensors")).keys()].sort()).toEqual([
      "base_model.model.transformer.layers.0.mlp.dense_h_to_4h.lora_A.weight",
      "base_model.model.transformer.layers.0.mlp.dense_h_to_4h.lora_B.weight"
    ])
    const loaded = folderLogits(dir, prompt)
    expect(loaded.cfg.pre_seq_len).toBe(4)
    expectAllClose(loaded.logits, unmergedLogits(stage1Dir, dir, prompt), { atol: 1e-5, rtol: 1e-5 }, { what: "prefix + adapter" })
    expect(resolve(dir, manifest.base)).toBe(resolve(baseModelDir))
  })

  it("resumes exactly after an interrupt (the same adapter as an uninterrupted run)", async () => {
    const { root, model, data } = fixture("glm2", true)
    const cfg = { ...config, steps: 16, checkpointEvery: 4 }
    const full = await Effect.runPromise(runStageOnce(train, cfg, { model, data, validation: unwired }, join(root, "full")))
    const stageDir = join(root, "interrupted")
    const stateMeta = join(stageDir, "checkpoint", "state", "meta.json")
    await Effect.runPromise(
      Effect.gen(function* () {
        const fiber = yield* Effect.fork(runStageOnce(train, cfg, { model, data, validation: unwired }, stageDir))
        while (!existsSync(stateMeta)) yield* Effect.sleep("20 millis")
        yield* Fiber.interrupt(fiber)
      })
    )
    const meta = JSON.parse(readFileSync(stateMeta, "utf8")).meta
    expect(meta.step).toBeGreaterThanOrEqual(4)
    expect(meta.step).toBeLessThan(16)
    const resumed = await Effect.runPromise(runStageOnce(train, cfg, { model, data, validation: unwired }, stageDir))
    expect(resumed.value.training.resumedFromStep).toBe(meta.step)
    const a = readSafetensors(join(full.dir, "model", "adapter_model.safetensors"))
    const b = readSafetensors(join(resumed.dir, "model", "adapter_model.safetensors"))
    expect([...b.keys()]).toEqual([...a.keys()])
    for (const [n, t] of a) expectBitwiseEqual(b.get(n)!.data, t.data, n)
    expect(resumed.value.training.lossCurve).toEqual(full.value.training.lossCurve)
  })

  it("continueFrom: 1 epoch + 1 more equals 2 epochs bitwise (constant schedule, same data and seed)", async () => {
    const { root, model, data } = fixture("glm2", false)
    const { steps: _steps, ...perEpoch } = { ...config, evalEvery: 0, checkpointEvery: 0, schedule: "constant" as const }
    const one = await Effect.runPromise(runStageOnce(train, { ...perEpoch, epochs: 1 }, { model, data, validation: unwired }, join(root, "one")))
    const more = await Effect.runPromise(
      runStageOnce(train, { ...perEpoch, epochs: 1, continueFrom: "one" }, { model, data, validation: unwired, continueFrom: one }, join(root, "more"))
    )
    const two = await Effect.runPromise(runStageOnce(train, { ...perEpoch, epochs: 2 }, { model, data, validation: unwired }, join(root, "two")))
    expect(more.value.training.steps).toBe(two.value.training.steps)
    const a = readSafetensors(join(two.dir, "model", "adapter_model.safetensors"))
    const b = readSafetensors(join(more.dir, "model", "adapter_model.safetensors"))
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort())
    for (const [n, t] of a) expectBitwiseEqual(b.get(n)!.data, t.data, n)
  })

  it("two worker threads train the same adapter as one, dropout included (the masks follow the examples)", async () => {
    const { root, model, data } = fixture("glm1", false)
    const cfg = { ...config, dropout: 0.2, steps: 6, evalEvery: 0 }
    const one = await Effect.runPromise(runStageOnce(train, cfg, { model, data, validation: unwired }, join(root, "one")))
    const two = await Effect.runPromise(runStageOnce(train, { ...cfg, workers: 2 }, { model, data, validation: unwired }, join(root, "two")))
    expect(two.value.training.workers).toBe(2)
    const a = readSafetensors(join(one.dir, "model", "adapter_model.safetensors"))
    const b = readSafetensors(join(two.dir, "model", "adapter_model.safetensors"))
    for (const [n, t] of a) expectAllClose(b.get(n)!.data, t.data, { atol: 1e-5 }, { what: n })
    // and dropout changed the run: without it the adapter differs
    const none = await Effect.runPromise(runStageOnce(train, { ...cfg, dropout: 0 }, { model, data, validation: unwired }, join(root, "none")))
    const c = readSafetensors(join(none.dir, "model", "adapter_model.safetensors"))
    const [name, t] = [...a].find(([n]) => n.endsWith("lora_B.weight"))!
    expect(t.data.some((x, i) => Math.abs(x - c.get(name)!.data[i]!) > 1e-4)).toBe(true)
  })

  it("refuses a layer the model does not have, naming the config field", async () => {
    const { root, model, data } = fixture("glm1", false)
    const exit = await Effect.runPromiseExit(runStageOnce(train, { ...config, layers: [0, 7] }, { model, data, validation: unwired }, join(root, "stage")))
    expect(Exit.isFailure(exit)).toBe(true)
    const text = JSON.stringify(exit)
    expect(text).toContain(".config.layers")
    expect(text).toContain("layers 7: expected layer indices 0 … 1")
  })
})

describe("LoRA training program", () => {
  const program = async (arch: "glm1" | "glm2", dropout: number) => {
    const { root, config: cfg0, baseModelDir } = fixture(arch, false)
    const cfg = { ...cfg0, zaoji_lora: loraSettings({ rank: 2, alpha: 4, dropout, targetModules: ["query_key_value", "dense"], rslora: false }) } as GlmConfig
    const init = initialAdapter(cfg, 1)
    // a non-zero B, so that dropout on the adapter's input changes the loss
    for (const [n, t] of init) if (n.endsWith("lora_B.weight")) init.set(n, { shape: t.shape, data: t.data.map((_, i) => ((i % 7) - 3) * 0.05) })
    const file = join(root, "init.safetensors")
    writeSafetensors(file, init)
    const p = await createGlmProgram({ modelDir: baseModelDir, config: cfg, weightFiles: [file], trainable: [...init.keys()] })
    const inputIds = layout(cfg, [[5, 6, 7, 8, 9, 10], [11, 12, 13, 14, 15, 16]])
    const labels = inputIds.map((r) => r.map((t, i) => (i < 5 ? -100 : t)))
    return { p, batch: { inputIds, labels }, pad: cfg.pad_token_id }
  }

  it("keeps its tensor count across steps", async () => {
    const { p, batch } = await program("glm2", 0.1)
    try {
      await p.gradients(batch)
      const after1 = p.memory().numTensors
      for (let i = 0; i < 3; i++) {
        const g = await p.gradients(batch)
        p.setTrainable(Object.fromEntries(Object.entries(g.grads).map(([n, v]) => [n, v.map((x) => -1e-3 * x)])))
        await p.evalLoss(batch)
      }
      expect(p.memory().numTensors).toBe(after1)
    } finally {
      p.dispose()
    }
  })

  it("dropout: seeded by the example, only while training", async () => {
    const { p: plain, batch, pad } = await program("glm1", 0)
    const { p: dropped } = await program("glm1", 0.5)
    try {
      const a = await dropped.gradients(batch)
      const b = await dropped.gradients(batch)
      const c = await plain.gradients(batch)
      expect(a.lossSum).toBe(b.lossSum)
      expect(Math.abs(a.lossSum - c.lossSum)).toBeGreaterThan(1e-6)
      // evaluation sees the whole input
      expect((await dropped.evalLoss(batch)).lossSum).toBeCloseTo((await plain.evalLoss(batch)).lossSum, 5)
      // a row's masks do not depend on the row it shares a batch with, nor on right padding
      const one = await dropped.gradients({ inputIds: [[...batch.inputIds[0]!, pad, pad]], labels: [[...batch.labels[0]!, -100, -100]] })
      const alone = await dropped.gradients({ inputIds: [batch.inputIds[0]!], labels: [batch.labels[0]!] })
      expect(one.lossSum).toBeCloseTo(alone.lossSum, 5)
    } finally {
      plain.dispose()
      dropped.dispose()
    }
  })
})
