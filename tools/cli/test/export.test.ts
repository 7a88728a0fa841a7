/**
 * `zaoji export MODEL --out DIR`: a base + prefix + delta model folder (what the two tuning stages
 * leave) becomes one standalone folder that computes the same logits; what it refuses.
 */
import * as tf from "@tensorflow/tfjs"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { baseWeightShapes, decodeGlmConfig, forward, loadModelFolder, prefixWeightShapes } from "@zaoji/glm-runtime"
import { initBaseModel, initTensor, writeAdapterModel } from "@zaoji/fine-tuning/kit"
import { readSafetensors, useBackend } from "@zaoji/tensor"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cli } from "./cliInProcess.js"

const root = fs.mkdtempSync(path.join(os.tmpdir(), "zaoji-export-"))
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))


const texts = Array.from({ length: 16 }, (_, i) => `${["肝", "胆囊", "胰腺", "胆管"][i % 4]}病的治疗方式有${["手术", "药物", "观察"][i % 3]}。`)

/**
 * base (micro glm2) → stage 1 (a prefix adapter) → stage 2 (a delta on the last layer, prefix carried
 * as the freeze stage does); stage 2 sits in an artifact folder whose manifest names its model.
 */
const buildModels = () => {
  const baseDir = path.join(root, "base", "model")
  const { config } = initBaseModel(baseDir, texts, { preset: "micro", arch: "glm2", seed: 5 })
  const pcfg = decodeGlmConfig({ ...config, pre_seq_len: 3, prefix_projection: false })
  const prefix = new Map(Object.entries(prefixWeightShapes(pcfg)).map(([n, s]) => [n, { shape: s, data: initTensor(pcfg, n, s, 7) }]))
  const stage1 = path.join(root, "stage1", "model")
  writeAdapterModel(stage1, baseDir, { prefix: { tensors: prefix, preSeqLen: 3, prefixProjection: false } })
  const last = config.num_layers - 1
  const deltaNames = Object.keys(baseWeightShapes(config)).filter((n) => n.includes(`.layers.${last}.`) && n.endsWith(".weight"))
  expect(deltaNames.length).toBeGreaterThan(0)
  const shapes = baseWeightShapes(config)
  // values unlike the base's, so a delta that was not merged would change the logits
  const delta = new Map(deltaNames.map((n) => [n, { shape: shapes[n]!, data: initTensor(config, `${n}#tuned`, shapes[n]!, 11) }]))
  const artifact = path.join(root, "stage2")
  fs.mkdirSync(artifact, { recursive: true })
  writeAdapterModel(path.join(artifact, "model"), baseDir, { prefix: { tensors: prefix, preSeqLen: 3, prefixProjection: false }, delta })
  fs.writeFileSync(path.join(artifact, "manifest.json"), JSON.stringify({ stage: "medglm-h", output: { model: "model", arch: "glm2", method: "freeze" } }))
  return { baseDir, stage1, artifact, model: path.join(artifact, "model"), deltaNames }
}

const logits = (dir: string, ids: number[][]): Float32Array => {
  const loaded = loadModelFolder(dir)
  try {
    const l = forward(loaded.model.config, loaded.model.weights, { inputIds: ids, prefixKv: loaded.model.prefixKv }).logits!
    const data = l.dataSync() as Float32Array
    l.dispose()
    return data
  } finally {
    loaded.model.dispose()
  }
}

const maxDiff = (a: Float32Array, b: Float32Array) => {
  expect(a.length).toBe(b.length)
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!))
  return m
}

describe("zaoji export", () => {
  let models: ReturnType<typeof buildModels>
  beforeAll(async () => {
    await useBackend("wasm")
    models = buildModels()
  })

  it("writes a standalone folder from a stage artifact that computes the same logits as base + prefix + delta", async () => {
    const out = path.join(root, "exported")
    const before = tf.memory().numTensors
    const r = await cli("export", models.artifact, "--out", out)
    expect(r.code, r.stderr).toBe(0)
    expect(tf.memory().numTensors).toBe(before)
    expect(r.stdout).toContain(`to ${out}`)
    expect(r.stdout).toMatch(/model\.safetensors\s+\d/)

    const files = fs.readdirSync(out).sort()
    expect(files).toContain("config.json")
    expect(files).toContain("model.safetensors")
    expect(files).not.toContain("zaoji-model.json")
    expect(files.some((f) => f.startsWith("tokenizer"))).toBe(true)
    for (const f of files) expect(r.stdout).toContain(f)
    expect(fs.readdirSync(root).filter((f) => f.includes(".tmp"))).toEqual([])
    const config = JSON.parse(fs.readFileSync(path.join(out, "config.json"), "utf8"))
    expect(config.pre_seq_len).toBe(3)

    // the merged weights hold the tuned last layer, not the base's
    const merged = readSafetensors(path.join(out, "model.safetensors"))
    const tuned = readSafetensors(path.join(models.model, "delta.safetensors"))
    for (const n of models.deltaNames) expect(maxDiff(merged.get(n)!.data, tuned.get(n)!.data), n).toBe(0)

    const ids = [[5, 6, 7, 8, 9, 10]]
    const source = logits(models.model, ids)
    const exported = logits(out, ids)
    expect(maxDiff(source, exported)).toBe(0)
    // and the comparison can tell models apart: the stage-1 model (no delta) differs
    expect(maxDiff(logits(models.stage1, ids), exported)).toBeGreaterThan(1e-3)
  })

  it("accepts a model folder and an existing empty --out", async () => {
    const out = path.join(root, "empty-out")
    fs.mkdirSync(out)
    const r = await cli("export", models.stage1, "--out", out)
    expect(r.code, r.stderr).toBe(0)
    const ids = [[4, 5, 6]]
    expect(maxDiff(logits(models.stage1, ids), logits(out, ids))).toBe(0)
  })

  it("refuses a non-empty --out, a folder that is not a model and a truncated safetensors (exit 2)", async () => {
    const full = path.join(root, "full")
    fs.mkdirSync(full)
    fs.writeFileSync(path.join(full, "keep.txt"), "mine")
    const notEmpty = await cli("export", models.model, "--out", full)
    expect(notEmpty.code).toBe(2)
    expect(notEmpty.stderr).toContain("not empty")
    expect(fs.readdirSync(full)).toEqual(["keep.txt"])

    const notModel = await cli("export", root, "--out", path.join(root, "x"))
    expect(notModel.code).toBe(2)
    expect(notModel.stderr).toContain("is not a model")
    expect(fs.existsSync(path.join(root, "x"))).toBe(false)

    const broken = path.join(root, "broken")
    fs.cpSync(path.join(root, "base", "model"), broken, { recursive: true })
    const st = path.join(broken, "model.safetensors")
    fs.truncateSync(st, Math.floor(fs.statSync(st).size / 2))
    const truncated = await cli("export", broken, "--out", path.join(root, "y"))
    expect(truncated.code).toBe(2)
    expect(truncated.stderr).toContain("model.safetensors")
    expect(fs.existsSync(path.join(root, "y"))).toBe(false)
    expect(fs.readdirSync(root).filter((f) => f.includes(".tmp"))).toEqual([])
  })
})
