import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import { artifactOf, runStageOnce, type Artifact } from "@zaoji/core"
import { decodeGlmConfig, forward, loadModelFolder } from "@zaoji/glm-runtime"
import { loraModelFixture, tuningFixture } from "@zaoji/fine-tuning/testing"
import { readSafetensors, readSafetensorsHeader, useBackend } from "@zaoji/tensor"
import { expectBitwiseEqual } from "@zaoji/testing"
import { exportModel, Freeze } from "../src/kit.js"

const { train } = Freeze

/** an optional input left unwired (the engine passes no artifact for it) */
const unwired = undefined as never

const dirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "zaoji-freeze-"))
  dirs.push(d)
  return d
}

/** the shared tuning fixture in a fresh temp folder */
const fixture = (arch: "glm1" | "glm2", withPrefix: boolean) => tuningFixture(tmp(), arch, withPrefix)

const config = { trainableLayers: 1, steps: 12, batchSize: 4, learningRate: 3e-3, workers: 1 as const, validationRatio: 0.2, evalEvery: 6 }

const maxDiff = (a: Float32Array, b: Float32Array) => {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!))
  return m
}

beforeAll(async () => {
  await useBackend("wasm")
})
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe("freeze.train stage", () => {
  for (const arch of ["glm1", "glm2"] as const) {
    it(`${arch}: saves only the tuned last layer as a delta; everything else stays the base's`, async () => {
      const { root, model, data, baseModelDir } = fixture(arch, false)
      const out = await Effect.runPromise(runStageOnce(train, config, { model, data, validation: unwired }, join(root, "stage")))
      const dir = join(out.dir, "model")
      const layer = arch === "glm1" ? "transformer.layers.1." : "transformer.encoder.layers.1."
      const names = [...readSafetensorsHeader(join(dir, "delta.safetensors")).entries.keys()]
      expect(names.length).toBe(arch === "glm1" ? 12 : 7)
      for (const n of names) expect(n.startsWith(layer)).toBe(true)
      const manifest = JSON.parse(readFileSync(join(dir, "zaoji-model.json"), "utf8"))
      expect(resolve(dir, manifest.base)).toBe(resolve(baseModelDir))
      const t = out.value.training
      expect(t.evalCurve[1]!.loss).toBeLessThan(t.evalCurve[0]!.loss)
      const base = readSafetensors(join(baseModelDir, "model.safetensors"))
      const loaded = loadModelFolder(dir)
      for (const [n, h] of base) {
        const got = loaded.model.weights[n]!.dataSync() as Float32Array
        if (n.startsWith(layer)) expect(maxDiff(got, h.data)).toBeGreaterThan(0)
        else expect(maxDiff(got, h.data)).toBe(0)
      }
      loaded.model.dispose()
    })
  }

  it("trainableModules selects modules inside the layers; bad selections are input errors naming the field", async () => {
    const { root, model, data } = fixture("glm2", false)
    const out = await Effect.runPromise(runStageOnce(train, { ...config, steps: 2, trainableModules: ["mlp"] }, { model, data, validation: unwired }, join(root, "mlp")))
    const names = [...readSafetensorsHeader(join(out.dir, "model", "delta.safetensors")).entries.keys()].sort()
    expect(names).toEqual(["transformer.encoder.layers.1.mlp.dense_4h_to_h.weight", "transformer.encoder.layers.1.mlp.dense_h_to_4h.weight"])
    for (const [bad, field] of [
      [{ trainableModules: ["nonexistent"] }, "trainableModules"],
      [{ trainableLayers: 3 }, "trainableLayers"]
    ] as const) {
      const r = await Effect.runPromise(Effect.either(runStageOnce(train, { ...config, ...bad }, { model, data, validation: unwired }, join(root, `bad-${field}`))))
      expect(r._tag).toBe("Left")
      if (r._tag === "Left") {
        expect(r.left._tag).toBe("InputError")
        expect((r.left as any).location).toContain(field)
      }
    }
  })

  it("on base + prefix: frozen keeps the stage-1 prefix, train changes it, merged writes a standalone folder", async () => {
    const { root, model, data } = fixture("glm1", true)
    const stage1Prefix = readSafetensors(join(model.dir, "model", "prefix_encoder.safetensors"))
    const emb = "transformer.prefix_encoder.embedding.weight"
    const run = (prefix: "frozen" | "train" | "merged") =>
      Effect.runPromise(runStageOnce(train, { ...config, steps: 4, prefix }, { model, data, validation: unwired }, join(root, prefix)))

    const frozen = await run("frozen")
    const fdir = join(frozen.dir, "model")
    expect(maxDiff(readSafetensors(join(fdir, "prefix_encoder.safetensors")).get(emb)!.data, stage1Prefix.get(emb)!.data)).toBe(0)
    const fm = loadModelFolder(fdir)
    expect(fm.model.prefixKv?.shape).toEqual([4, 2 * 2 * 32])
    fm.model.dispose()

    const trained = await run("train")
    expect(maxDiff(readSafetensors(join(trained.dir, "model", "prefix_encoder.safetensors")).get(emb)!.data, stage1Prefix.get(emb)!.data)).toBeGreaterThan(0)
    expect(trained.value.training.trainableParams).toBeGreaterThan(frozen.value.training.trainableParams)

    const merged = await run("merged")
    const mdir = join(merged.dir, "model")
    expect(existsSync(join(mdir, "zaoji-model.json"))).toBe(false)
    expect(JSON.parse(readFileSync(join(mdir, "config.json"), "utf8")).pre_seq_len).toBe(4)
    expect(readSafetensorsHeader(join(mdir, "model.safetensors")).entries.has(emb)).toBe(true)
    // frozen and merged train the same numbers: the same tuned layer
    const a = loadModelFolder(fdir)
    const b = loadModelFolder(mdir)
    for (const n of Object.keys(a.model.weights)) expect(maxDiff(a.model.weights[n]!.dataSync() as Float32Array, b.model.weights[n]!.dataSync() as Float32Array)).toBe(0)
    a.model.dispose()
    b.model.dispose()
  })

  it("on a LoRA model: the adapter stays in the output, applied before the tuned layer's delta", async () => {
    const fx = fixture("glm1", false)
    const model = loraModelFixture(fx)
    const out = await Effect.runPromise(runStageOnce(train, { ...config, steps: 2 }, { model, data: fx.data, validation: unwired }, join(fx.root, "stage")))
    const dir = join(out.dir, "model")
    const manifest = JSON.parse(readFileSync(join(dir, "zaoji-model.json"), "utf8")) as { adapters: Array<{ type: string }> }
    expect(manifest.adapters.map((a) => a.type)).toEqual(["lora", "delta"])
    const tuned = loadModelFolder(dir, { prepare: false })
    const input = loadModelFolder(join(model.dir, "model"), { prepare: false })
    const base = loadModelFolder(fx.baseModelDir, { prepare: false })
    try {
      // layer 0 is not tuned: it computes what the LoRA model computes, which is not the base
      const untouched = Object.keys(input.model.weights).filter((n) => /layers\.0\..*(query_key_value|dense_4h_to_h)\.weight$/.test(n))
      expect(untouched.length).toBe(2)
      for (const n of untouched) {
        const want = input.model.weights[n]!.dataSync() as Float32Array
        expectBitwiseEqual(tuned.model.weights[n]!.dataSync() as Float32Array, want, n)
        expect(maxDiff(want, base.model.weights[n]!.dataSync() as Float32Array)).toBeGreaterThan(1e-3)
      }
    } finally {
      for (const m of [tuned, input, base]) m.model.dispose()
    }
  })

  it("exportModel writes a standalone folder that computes the same logits as base + prefix + delta", async () => {
    const { root, model, data } = fixture("glm2", true)
    const out = await Effect.runPromise(runStageOnce(train, { ...config, steps: 3 }, { model, data, validation: unwired }, join(root, "tuned")))
    const src = join(out.dir, "model")
    const dst = join(root, "exported")
    exportModel(src, dst)
    expect(existsSync(join(dst, "tokenizer.json"))).toBe(true)
    expect(existsSync(join(dst, "zaoji-model.json"))).toBe(false)
    expect(() => exportModel(src, dst)).toThrow(/already exists/)
    const a = loadModelFolder(src)
    const b = loadModelFolder(dst)
    const ids = [[a.model.config.gmask_token_id ?? 0, 5, 6, 7, 8]]
    const la = forward(a.model.config, a.model.weights, { inputIds: ids, prefixKv: a.model.prefixKv }).logits!
    const lb = forward(b.model.config, b.model.weights, { inputIds: ids, prefixKv: b.model.prefixKv }).logits!
    expect(maxDiff(la.dataSync() as Float32Array, lb.dataSync() as Float32Array)).toBe(0)
    tf.dispose([la, lb])
    a.model.dispose()
    b.model.dispose()
  })

  it("two data-parallel worker threads train the same layer as one thread, up to float rounding", async () => {
    const { root, model, data } = fixture("glm1", false)
    const one = await Effect.runPromise(runStageOnce(train, { ...config, steps: 4 }, { model, data, validation: unwired }, join(root, "w1")))
    const two = await Effect.runPromise(runStageOnce(train, { ...config, steps: 4, workers: 2 }, { model, data, validation: unwired }, join(root, "w2")))
    expect(two.value.training.workers).toBe(2)
    const a = readSafetensors(join(one.dir, "model", "delta.safetensors"))
    const b = readSafetensors(join(two.dir, "model", "delta.safetensors"))
    for (const [n, t] of a) expect(maxDiff(t.data, b.get(n)!.data), n).toBeLessThan(1e-5)
    one.value.training.lossCurve.forEach((p, i) => expect(two.value.training.lossCurve[i]!.loss).toBeCloseTo(p.loss, 5))
  })
})
