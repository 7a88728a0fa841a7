/**
 * PEFT adapter folders as model folders: an adapter written by hand the way PEFT saves one (regex
 * target_modules, one layer) loads through zaoji-model.json and exports merged; broken adapters
 * are refused with the file and the field.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as tf from "@tensorflow/tfjs"
import { exportModel } from "@zaoji/freeze/kit"
import { forward, loadModelFolder, readLoraConfig, type GlmConfig } from "@zaoji/glm-runtime"
import { initBaseModel } from "@zaoji/fine-tuning/kit"
import { readSafetensors, useBackend, writeSafetensors } from "@zaoji/tensor"
import { expectAllClose } from "@zaoji/testing"

const dirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "zaoji-peft-"))
  dirs.push(d)
  return d
}

beforeAll(async () => {
  await useBackend("wasm")
})
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const A = "base_model.model.transformer.encoder.layers.1.self_attention.dense.lora_A.weight"
const B = "base_model.model.transformer.encoder.layers.1.self_attention.dense.lora_B.weight"

/** a glm2 micro base and a PEFT-style adapter folder on it (r 2, alpha 3, regex target, layer 1) */
const setup = (peftConfig: Record<string, unknown> = {}, tensors?: Map<string, { shape: number[]; data: Float32Array }>) => {
  const root = tmp()
  const baseDir = join(root, "base")
  const { config } = initBaseModel(baseDir, ["肝胆外科 胆囊结石 腹痛"], { preset: "micro", arch: "glm2", seed: 2 })
  const H = config.hidden_size
  const adapterDir = join(root, "adapter")
  mkdirSync(adapterDir)
  const fill = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * k) * 0.3)
  writeSafetensors(join(adapterDir, "adapter_model.safetensors"), tensors ?? new Map([[A, { shape: [2, H], data: fill(2 * H, 1.3) }], [B, { shape: [H, 2], data: fill(2 * H, 0.7) }]]))
  const cfg = {
    peft_type: "LORA",
    task_type: "CAUSAL_LM",
    base_model_name_or_path: "THUDM/chatglm2-6b",
    r: 2,
    lora_alpha: 3,
    lora_dropout: 0.1,
    target_modules: ".*self_attention\\.dense",
    layers_to_transform: 1,
    bias: "none",
    fan_in_fan_out: false,
    modules_to_save: null,
    rank_pattern: {},
    alpha_pattern: {},
    use_dora: false,
    ...peftConfig
  }
  writeFileSync(join(adapterDir, "adapter_config.json"), JSON.stringify(cfg))
  writeFileSync(join(adapterDir, "zaoji-model.json"), JSON.stringify({ base: "../base", adapters: [{ type: "lora" }] }))
  return { root, baseDir, adapterDir, config }
}

const logitsOf = (cfg: GlmConfig, weights: Record<string, tf.Tensor>): Float32Array => {
  if (cfg.zaoji_arch !== "glm2") throw new Error("a glm2 config was expected")
  const ids = [[cfg.gmask_token_id!, cfg.sop_token_id!, 5, 6, 7, 8]]
  const out = forward(cfg, weights, { inputIds: ids })
  const v = out.logits!.dataSync() as Float32Array
  out.logits!.dispose()
  return v
}

describe("PEFT LoRA adapter folders", () => {
  it("a PEFT-saved adapter (regex targets, one layer) loads merged and exports standalone", () => {
    const { root, adapterDir, baseDir } = setup()
    const settings = readLoraConfig(join(adapterDir, "adapter_config.json"))
    expect(settings).toEqual({ r: 2, lora_alpha: 3, lora_dropout: 0.1, target_modules: ".*self_attention\\.dense", layers_to_transform: 1, use_rslora: false })
    const loaded = loadModelFolder(adapterDir, { prepare: false })
    const base = loadModelFolder(baseDir, { prepare: false })
    const name = "transformer.encoder.layers.1.self_attention.dense.weight"
    const ad = readSafetensors(join(adapterDir, "adapter_model.safetensors"))
    const a = ad.get(A)!
    const b = ad.get(B)!
    const want = tf.tidy(() => tf.add(base.model.weights[name]!, tf.mul(tf.matMul(tf.tensor2d(b.data, b.shape as [number, number]), tf.tensor2d(a.data, a.shape as [number, number])), 1.5)))
    expectAllClose(loaded.model.weights[name]!.dataSync() as Float32Array, want.dataSync() as Float32Array, { atol: 1e-6 }, { what: name })
    want.dispose()
    // every other weight is the base's
    for (const [n, t] of Object.entries(base.model.weights)) if (n !== name) expect(Array.from(loaded.model.weights[n]!.dataSync()), n).toEqual(Array.from(t.dataSync()))
    // unmerged (the training forward, dropout off outside training) = merged
    const unmerged = logitsOf({ ...base.model.config, zaoji_lora: settings }, {
      ...base.model.weights,
      [name.replace(".weight", ".lora_A.weight")]: tf.tensor(a.data, [...a.shape]),
      [name.replace(".weight", ".lora_B.weight")]: tf.tensor(b.data, [...b.shape])
    })
    expectAllClose(logitsOf(loaded.model.config, loaded.model.weights), unmerged, { atol: 1e-5, rtol: 1e-5 }, { what: "merged vs unmerged" })
    // `zaoji export` of the adapter folder: the merged weights in a standalone folder
    const out = exportModel(adapterDir, join(root, "export"))
    const exported = readSafetensors(join(out.outDir, "model.safetensors"))
    expectAllClose(exported.get(name)!.data, loaded.model.weights[name]!.dataSync() as Float32Array, { atol: 0 }, { what: "exported" })
    loaded.model.dispose()
    base.model.dispose()
  })

  const refused: Array<[string, Record<string, unknown>, string]> = [
    ["another PEFT method", { peft_type: "PREFIX_TUNING" }, 'field "peft_type"'],
    ["bias training", { bias: "all" }, 'bias: expected "none"'],
    ["DoRA", { use_dora: true }, "DoRA is not supported"],
    ["per-module ranks", { rank_pattern: { dense: 4 } }, "rank_pattern (per-module ranks) is not supported"],
    ["no rank", { r: undefined }, 'field "r"'],
    ["a layer the model lacks", { layers_to_transform: [5] }, 'field "layers_to_transform": layers 5: expected layer indices 0 … 1'],
    ["targets that match nothing", { target_modules: ["q_proj", "v_proj"] }, 'field "target_modules"']
  ]
  for (const [what, patch, message] of refused) {
    it(`refuses ${what}, naming adapter_config.json`, () => {
      const { adapterDir } = setup(patch)
      let error: Error | undefined
      try {
        loadModelFolder(adapterDir).model.dispose()
      } catch (e) {
        error = e as Error
      }
      expect(error?.message).toContain(join(adapterDir, "adapter_config.json"))
      expect(error?.message).toContain(message)
    })
  }

  it("refuses tensors that do not fit the config, naming the file and the tensor", () => {
    const { adapterDir } = setup({}, new Map([[A, { shape: [3, 4], data: new Float32Array(12) }], [B, { shape: [4, 3], data: new Float32Array(12) }]]))
    expect(() => loadModelFolder(adapterDir)).toThrow(/adapter_model\.safetensors.*lora_A\.weight|lora_A\.weight.*adapter_model\.safetensors/s)
  })

  it("a missing adapter_config.json is named", () => {
    const { adapterDir } = setup()
    rmSync(join(adapterDir, "adapter_config.json"))
    expect(() => loadModelFolder(adapterDir)).toThrow(/adapter_config\.json: missing/)
  })
})
