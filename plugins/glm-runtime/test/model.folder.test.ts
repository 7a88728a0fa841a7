/**
 * Model folders: save/load round trips (single file, shards, F16), base + adapters as one model,
 * real-checkpoint tolerance (rotary inv_freq buffers), presets, and precise errors for bad folders.
 */
import * as tf from "@tensorflow/tfjs"
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ensureBackend, readSafetensors, SafetensorsError, writeSafetensors } from "@zaoji/tensor"
import { hasShared, sharedSuiteTitle } from "@zaoji/testing"
import { forward } from "../src/model/forward.js"
import { initWeights } from "../src/model/init.js"
import { baseWeightShapes } from "../src/model/names.js"
import { presetConfig } from "../src/model/presets.js"
import type { GlmConfig, WeightMap } from "../src/model/types.js"
import { ModelFolderError } from "../src/load/manifest.js"
import { loadModelFolder, saveAdapterFolder, saveModelFolder } from "../src/load/folder.js"
import { disposeWeights } from "../src/weights/tensors.js"
import { caseDir, compare, logitTol, readBin, readCases } from "./modelFixtures.js"

const root = mkdtempSync(join(tmpdir(), "zaoji-folder-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const logitsOf = (cfg: GlmConfig, w: WeightMap, ids: number[][], prefixKv?: tf.Tensor): Float32Array => {
  const l = forward(cfg, w, { inputIds: ids, prefixKv }).logits!
  const d = l.dataSync() as Float32Array
  l.dispose()
  return d
}

describe("model folders", () => {
  beforeAll(async () => {
    await ensureBackend()
  })

  for (const arch of ["glm1", "glm2"] as const) {
    it(`${arch}: save → load round trip (single, sharded, F16) gives the same logits`, () => {
      const cfg = presetConfig("micro", { arch })
      const w = initWeights(cfg, { seed: 3, std: 0.1 })
      const ids = arch === "glm1" ? [[5, 6, 7, cfg.zaoji_arch === "glm1" ? cfg.gmask_token_id : 0, cfg.zaoji_arch === "glm1" ? cfg.bos_token_id : 0, 9]] : [[5, 6, 7, 8, 9]]
      const ref = logitsOf(cfg, w, ids)
      for (const [name, opts] of [["single", {}], ["sharded", { maxShardBytes: 20_000 }], ["f16", { dtype: "F16" as const }]] as const) {
        const dir = join(root, `${arch}-${name}`)
        saveModelFolder(dir, cfg, w, opts)
        const files = readdirSync(dir)
        if (name === "sharded") {
          expect(files).toContain("model.safetensors.index.json")
          expect(files.filter((f) => /^model-\d{5}-of-\d{5}\.safetensors$/.test(f)).length).toBeGreaterThan(1)
        } else expect(files).toContain("model.safetensors")
        expect(JSON.parse(readFileSync(join(dir, "config.json"), "utf8")).zaoji_arch).toBe(arch)
        const loaded = loadModelFolder(dir)
        const got = logitsOf(loaded.model.config, loaded.model.weights, ids)
        const { diff, scale } = compare(got, ref)
        expect(diff).toBeLessThanOrEqual(name === "f16" ? 0.05 * Math.max(1, scale) : 1e-6)
        loaded.model.dispose()
        expect(files.some((f) => f.includes(".tmp"))).toBe(false)
      }
      disposeWeights(w)
    })
  }

  it("base + prefix adapter + freeze delta load as one model", () => {
    const cfg = presetConfig("micro", { arch: "glm2" })
    const baseDir = join(root, "base2")
    const w = initWeights(cfg, { seed: 4, std: 0.1 })
    saveModelFolder(baseDir, cfg, w)
    const pcfg = { ...cfg, pre_seq_len: 2, prefix_projection: false }
    const pw = initWeights(pcfg, { seed: 5, std: 0.3, prefix: true })
    const prefixOnly = Object.fromEntries(Object.entries(pw).filter(([n]) => n.startsWith("transformer.prefix_encoder.")))
    const deltaName = "transformer.encoder.layers.1.mlp.dense_4h_to_h.weight"
    const newValue = tf.mul(w[deltaName], 2)
    const adapterDir = join(root, "adapted")
    saveAdapterFolder(adapterDir, baseDir, [
      { type: "prefix", weights: prefixOnly, pre_seq_len: 2, prefix_projection: false },
      { type: "delta", weights: { [deltaName]: newValue } }
    ])
    const manifest = JSON.parse(readFileSync(join(adapterDir, "zaoji-model.json"), "utf8"))
    expect(manifest.base).toBe("../base2")
    const loaded = loadModelFolder(adapterDir)
    expect(loaded.baseDir).toBe(baseDir)
    expect(loaded.model.config.pre_seq_len).toBe(2)
    expect(loaded.model.prefixKv!.shape).toEqual([2, 2 * 2 * 2 * 16])
    const ids = [[5, 6, 7, 8]]
    const expectedW = { ...w, [deltaName]: newValue }
    const kv = prefixOnly["transformer.prefix_encoder.embedding.weight"]
    const ref = logitsOf(cfg, expectedW, ids, kv)
    const got = logitsOf(loaded.model.config, loaded.model.weights, ids, loaded.model.prefixKv)
    expect(compare(got, ref).diff).toBeLessThan(1e-6)
    // "add" deltas add to the base
    const addDir = join(root, "added")
    saveAdapterFolder(addDir, baseDir, [{ type: "delta", weights: { [deltaName]: w[deltaName] }, mode: "add" }])
    const added = loadModelFolder(addDir)
    expect(compare(added.model.weights[deltaName].dataSync(), newValue.dataSync()).diff).toBeLessThan(1e-6)
    added.model.dispose()
    loaded.model.dispose()
    disposeWeights(w)
    disposeWeights(pw)
    newValue.dispose()
  })

  it("precise errors: missing config, missing/unexpected/misshaped tensor, bad manifest; inv_freq tolerated", () => {
    const cfg = presetConfig("micro", { arch: "glm1" })
    const w = initWeights(cfg, { seed: 1 })
    const good = join(root, "good1")
    saveModelFolder(good, cfg, w)
    const host = readSafetensors(join(good, "model.safetensors"))
    const variant = (name: string, edit: (m: Map<string, { shape: readonly number[]; data: Float32Array }>) => void): string => {
      const dir = join(root, name)
      mkdirSync(dir, { recursive: true })
      copyFileSync(join(good, "config.json"), join(dir, "config.json"))
      const m = new Map(host)
      edit(m)
      writeSafetensors(join(dir, "model.safetensors"), m)
      return dir
    }
    const fails = (dir: string): Error => {
      try {
        loadModelFolder(dir).model.dispose()
      } catch (e) {
        return e as Error
      }
      throw new Error("expected a failure")
    }
    const missing = fails(variant("missing", (m) => m.delete("transformer.layers.1.mlp.dense_4h_to_h.bias"))) as SafetensorsError
    expect(missing).toBeInstanceOf(SafetensorsError)
    expect([missing.kind, missing.tensor]).toEqual(["missing", "transformer.layers.1.mlp.dense_4h_to_h.bias"])
    expect(missing.message).toContain(join(root, "missing", "model.safetensors"))
    const extra = fails(variant("extra", (m) => m.set("transformer.layers.9.mystery", { shape: [1], data: new Float32Array(1) }))) as SafetensorsError
    expect([extra.kind, extra.tensor]).toEqual(["unexpected", "transformer.layers.9.mystery"])
    const shaped = fails(variant("shaped", (m) => m.set("lm_head.weight", { shape: [10, 32], data: new Float32Array(320) }))) as SafetensorsError
    expect([shaped.kind, shaped.tensor, shaped.expected, shaped.found]).toEqual(["shape", "lm_head.weight", "[512, 32]", "[10, 32]"])
    // real ChatGLM-6B checkpoints carry rotary_emb.inv_freq: tolerated
    const inv = variant("invfreq", (m) => m.set("transformer.layers.0.attention.rotary_emb.inv_freq", { shape: [4], data: new Float32Array(4) }))
    loadModelFolder(inv).model.dispose()
    // no config
    const noCfg = join(root, "nocfg")
    mkdirSync(noCfg)
    expect(fails(noCfg)).toBeInstanceOf(ModelFolderError)
    expect(fails(noCfg).message).toMatch(/config\.json: missing/)
    // bad config field
    const badCfg = variant("badcfg", () => {})
    writeFileSync(join(badCfg, "config.json"), JSON.stringify({ zaoji_arch: "glm1", vocab_size: "many" }))
    expect(fails(badCfg).message).toMatch(/config\.json: invalid glm1 config: field "vocab_size"/)
    // bad manifest
    const badMf = join(root, "badmf")
    mkdirSync(badMf)
    writeFileSync(join(badMf, "zaoji-model.json"), JSON.stringify({ base: "../good1", adapters: [{ type: "prefix", file: "p.safetensors" }] }))
    expect(fails(badMf).message).toMatch(/zaoji-model\.json: invalid model manifest: field "adapters\.0\.pre_seq_len"/)
    writeFileSync(join(badMf, "zaoji-model.json"), JSON.stringify({ base: "../nowhere" }))
    expect(fails(badMf).message).toMatch(/field "base": folder \.\.\/nowhere/)
    disposeWeights(w)
    expect(existsSync(good)).toBe(true)
  })

  it("presets have the real shapes and the small sizes of the brief", () => {
    const count = (cfg: GlmConfig) => Object.values(baseWeightShapes(cfg)).reduce((s, sh) => s + sh.reduce((a, b) => a * b, 1), 0)
    expect(count(presetConfig("chatglm-6b"))).toBe(6_707_929_088) // fp16 index total_size 13,415,858,176 bytes
    expect(count(presetConfig("chatglm2-6b"))).toBe(6_243_584_000) // the published ChatGLM2-6B count
    expect(presetConfig("chatglm3-6b").zaoji_arch).toBe("glm2")
    const small = presetConfig("small")
    expect(small).toMatchObject({ zaoji_arch: "glm1", vocab_size: 8000, hidden_size: 256, num_attention_heads: 8, num_layers: 6, inner_hidden_size: 1024, max_sequence_length: 128 })
    expect(presetConfig("small", { arch: "glm2" })).toMatchObject({ padded_vocab_size: 8000, hidden_size: 256, num_attention_heads: 8, num_layers: 6, ffn_hidden_size: 1024, seq_length: 128 })
    expect(presetConfig("tiny", { arch: "glm1" })).toMatchObject({ vocab_size: 512, gmask_token_id: 501, bos_token_id: 504, eos_token_id: 505 })
    const withTok = presetConfig("micro", { arch: "glm2", tokenizer: { vocabSize: 1000, special: { mask: 990, gmask: 991, sop: 993, eop: 994, eos: 2, pad: 0 } } })
    expect(withTok).toMatchObject({ padded_vocab_size: 1024, gmask_token_id: 991, sop_token_id: 993 })
    expect(() => presetConfig("huge")).toThrow(/unknown model preset "huge"; expected one of chatglm-6b/)
  })
})

describe.skipIf(!hasShared)(sharedSuiteTitle("golden fixture folders load by their official names"), () => {
  it("glm1 base + prefix_proj adapter folder reproduces the prefixed logits", async () => {
    await ensureBackend()
    const dir = join(root, "golden-glm1")
    mkdirSync(dir)
    copyFileSync(join(caseDir("glm1", "base"), "config.json"), join(dir, "config.json"))
    copyFileSync(join(caseDir("glm1", "base"), "model.safetensors"), join(dir, "model.safetensors"))
    const ad = join(root, "golden-glm1-prefix")
    mkdirSync(ad)
    copyFileSync(join(caseDir("glm1", "base"), "prefix_proj.safetensors"), join(ad, "prefix_encoder.safetensors"))
    writeFileSync(join(ad, "zaoji-model.json"), JSON.stringify({ base: "../golden-glm1", adapters: [{ type: "prefix", file: "prefix_encoder.safetensors", pre_seq_len: 4, prefix_projection: true }] }))
    const loaded = loadModelFolder(ad)
    const p = readCases("glm1", "base").prefix.find((x: any) => x.name === "prefix_proj")
    const c = p.forward[0]
    const got = logitsOf(loaded.model.config, loaded.model.weights, c.input_ids, loaded.model.prefixKv)
    const { diff, scale } = compare(got, readBin("glm1", "base", c.logits))
    expect(diff).toBeLessThanOrEqual(logitTol(scale))
    loaded.model.dispose()
  })
})

describe("model loading as a scoped stage resource", () => {
  it("maps folder mistakes to InputError with the file, and frees the model when the scope closes", async () => {
    const { Effect, Exit } = await import("effect")
    const { acquireModelFolder } = await import("../src/load/effect.js")
    await ensureBackend()
    const cfg = presetConfig("micro", { arch: "glm2" })
    const w = initWeights(cfg, { seed: 2 })
    const dir = join(root, "scoped")
    saveModelFolder(dir, cfg, w)
    disposeWeights(w)
    const before = tf.memory().numTensors
    const vocab = await Effect.runPromise(Effect.scoped(Effect.map(acquireModelFolder(dir), (m) => {
      expect(tf.memory().numTensors).toBeGreaterThan(before)
      return m.model.config.zaoji_arch === "glm2" ? m.model.config.padded_vocab_size : 0
    })))
    expect(vocab).toBe(512)
    expect(tf.memory().numTensors).toBe(before)
    rmSync(join(dir, "model.safetensors"))
    const exit = await Effect.runPromiseExit(Effect.scoped(acquireModelFolder(dir)))
    expect(Exit.isFailure(exit)).toBe(true)
    if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
      expect(exit.cause.error._tag).toBe("InputError")
      expect(exit.cause.error.message).toMatch(/no weights: expected model\.safetensors or model\.safetensors\.index\.json/)
    } else throw new Error("expected a typed failure")
  })
})
