import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { Effect, Fiber } from "effect"
import { artifactOf, runStageOnce, type Artifact } from "@zaoji/core"
import { loadModelFolder } from "@zaoji/glm-runtime"
import { initBaseModel } from "@zaoji/fine-tuning/kit"
import { loraModelFixture, tuningFixture } from "@zaoji/fine-tuning/testing"
import { readSafetensors, readSafetensorsHeader, useBackend } from "@zaoji/tensor"
import { expectBitwiseEqual } from "@zaoji/testing"
import { PTuningV2 } from "../src/index.js"

const { train } = PTuningV2

/** an optional input left unwired (the engine passes no artifact for it) */
const unwired = undefined as never

const dirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "zaoji-ptuning-"))
  dirs.push(d)
  return d
}

const organs = ["肝", "胆囊", "胆管", "胰腺"]
const qa = Array.from({ length: 24 }, (_, i) => ({
  id: `q${i}`,
  question: `${organs[i % 4]}病有什么症状？`,
  answer: `${organs[i % 4]}病常见${["腹痛", "发热", "黄疸"][i % 3]}。`
}))

/** a base model folder (micro preset, untrained) and a QA dataset artifact */
const fixture = (arch: "glm1" | "glm2") => {
  const root = tmp()
  const baseArt = join(root, "base")
  initBaseModel(join(baseArt, "model"), qa.map((q) => q.question + q.answer), { preset: "micro", arch, seed: 5 })
  const dataDir = join(root, "data")
  mkdirSync(dataDir)
  writeFileSync(join(dataDir, "qa.jsonl"), qa.map((q) => JSON.stringify(q)).join("\n"))
  const base = artifactOf({ model: "model", arch, method: "pretrain" as const, training: {} as any }, baseArt)
  const data = artifactOf({ file: "qa.jsonl", kind: "qa" as const, count: qa.length, sensitive: false }, dataDir)
  return { root, base, data }
}

const config = { preSeqLen: 4, steps: 16, batchSize: 4, workers: 1 as const, checkpointEvery: 4, validationRatio: 0.2, evalEvery: 8 }

beforeAll(async () => {
  await useBackend("wasm")
})
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe("ptuning-v2.train stage", () => {
  for (const arch of ["glm1", "glm2"] as const) {
    it(`${arch}: trains only the prefix and writes it as an adapter of the untouched base`, async () => {
      const { root, base, data } = fixture(arch)
      const out = await Effect.runPromise(runStageOnce(train, config, { base, data, validation: unwired }, join(root, "stage")))
      const modelDir = join(out.dir, out.value.model)
      const names = [...readSafetensorsHeader(join(modelDir, "prefix_encoder.safetensors")).entries.keys()]
      expect(names).toEqual(["transformer.prefix_encoder.embedding.weight"])
      expect(existsSync(join(modelDir, "model.safetensors"))).toBe(false)
      const manifest = JSON.parse(readFileSync(join(modelDir, "zaoji-model.json"), "utf8"))
      expect(resolve(modelDir, manifest.base)).toBe(resolve(base.dir, "model"))
      const t = out.value.training
      expect(t.steps).toBe(16)
      // validation loss (same held-out pairs each time) falls as the prefix trains
      expect(t.evalCurve.map((e) => e.step)).toEqual([8, 16])
      expect(t.evalCurve[1]!.loss).toBeLessThan(t.evalCurve[0]!.loss)
      expect(t.validationExamples).toBe(5)
      expect(t.trainableParams).toBe(4 * 2 * 2 * 32)
      // base + prefix loads as one model; the base weights are unchanged
      const loaded = loadModelFolder(modelDir)
      expect(loaded.model.prefixKv?.shape).toEqual([4, 2 * 2 * 32])
      const baseFile = readSafetensors(join(base.dir, "model", "model.safetensors"))
      for (const [n, h] of baseFile) expect(Array.from(loaded.model.weights[n]!.dataSync())).toEqual(Array.from(h.data))
      loaded.model.dispose()
    })
  }

  it("says in its output, its manifest metrics and a warning that a run did not learn (vanishing learning rate)", async () => {
    const { root, base, data } = fixture("glm1")
    const steps = { ...config, steps: 30, evalEvery: 0 }
    // a learning rate of 1e-12 (the config allows no 0) leaves the prefix where it started; the
    // learning case is in trainedBase.test.ts (an untrained base gives a prefix nothing to steer)
    const flat = await Effect.runPromise(runStageOnce(train, { ...steps, learningRate: 1e-12 }, { base, data, validation: unwired }, join(root, "flat")))
    expect(flat.value.learning?.verdict).toBe("not-learning")
    expect(flat.value.learning!.note).toContain("did not fall")
    expect(flat.ctx.metrics.learning).toEqual(flat.value.learning)
    expect(flat.ctx.logs.some((l) => l.level === "warn" && String(l.message).startsWith("not learning"))).toBe(true)
  })

  it("resumes exactly after an interrupt (same prefix as an uninterrupted run)", async () => {
    const { root, base, data } = fixture("glm1")
    const full = await Effect.runPromise(runStageOnce(train, config, { base, data, validation: unwired }, join(root, "full")))
    const stageDir = join(root, "interrupted")
    const stateMeta = join(stageDir, "checkpoint", "state", "meta.json")
    await Effect.runPromise(
      Effect.gen(function* () {
        const fiber = yield* Effect.fork(runStageOnce(train, config, { base, data, validation: unwired }, stageDir))
        while (!existsSync(stateMeta)) yield* Effect.sleep("20 millis")
        yield* Fiber.interrupt(fiber)
      })
    )
    const meta = JSON.parse(readFileSync(stateMeta, "utf8")).meta
    expect(meta.step).toBeGreaterThanOrEqual(4)
    expect(meta.step).toBeLessThan(16)
    const resumed = await Effect.runPromise(runStageOnce(train, config, { base, data, validation: unwired }, stageDir))
    expect(resumed.value.training.resumedFromStep).toBe(meta.step)
    const a = readSafetensors(join(full.dir, "model", "prefix_encoder.safetensors"))
    const b = readSafetensors(join(resumed.dir, "model", "prefix_encoder.safetensors"))
    // exact: the same bits
    expect([...b.keys()]).toEqual([...a.keys()])
    for (const [n, t] of a) expectBitwiseEqual(b.get(n)!.data, t.data, n)
    expect(resumed.value.training.lossCurve).toHaveLength(16)
    expect(resumed.value.training.lossCurve).toEqual(full.value.training.lossCurve)
  })

  it("continueFrom: 1 epoch + 1 more equals 2 epochs bitwise (constant schedule, same data and seed)", async () => {
    const { root, base, data } = fixture("glm1")
    const { steps: _steps, ...perEpoch } = { ...config, evalEvery: 0, checkpointEvery: 0, schedule: "constant" as const }
    const one = await Effect.runPromise(runStageOnce(train, { ...perEpoch, epochs: 1 }, { base, data, validation: unwired }, join(root, "one")))
    const more = await Effect.runPromise(
      runStageOnce(train, { ...perEpoch, epochs: 1, continueFrom: "one" }, { base, data, validation: unwired, continueFrom: one }, join(root, "more"))
    )
    const two = await Effect.runPromise(runStageOnce(train, { ...perEpoch, epochs: 2 }, { base, data, validation: unwired }, join(root, "two")))
    expect(more.value.training.steps).toBe(two.value.training.steps)
    const a = readSafetensors(join(two.dir, "model", "prefix_encoder.safetensors"))
    const b = readSafetensors(join(more.dir, "model", "prefix_encoder.safetensors"))
    for (const [n, t] of a) expectBitwiseEqual(b.get(n)!.data, t.data, n)
  })

  it("on a LoRA model: the adapter stays in the output beside the new prefix", async () => {
    const fx = tuningFixture(tmp(), "glm2", false)
    const base = loraModelFixture(fx)
    const out = await Effect.runPromise(runStageOnce(train, { ...config, steps: 2, checkpointEvery: 0 }, { base, data: fx.data, validation: unwired }, join(fx.root, "stage")))
    const dir = join(out.dir, "model")
    const manifest = JSON.parse(readFileSync(join(dir, "zaoji-model.json"), "utf8")) as { adapters: Array<{ type: string }> }
    expect(manifest.adapters.map((a) => a.type)).toEqual(["prefix", "lora"])
    const tuned = loadModelFolder(dir, { prepare: false })
    const input = loadModelFolder(join(base.dir, "model"), { prepare: false })
    try {
      const names = Object.keys(input.model.weights)
      expect(names.some((n) => n.includes("query_key_value"))).toBe(true)
      for (const n of names) expectBitwiseEqual(tuned.model.weights[n]!.dataSync() as Float32Array, input.model.weights[n]!.dataSync() as Float32Array, n)
    } finally {
      tuned.model.dispose()
      input.model.dispose()
    }
  })

  it("refuses prefixInit \"activations\" with a projection, naming the field", async () => {
    const { root, base, data } = fixture("glm1")
    const r = await Effect.runPromise(
      Effect.either(runStageOnce(train, { ...config, prefixProjection: true, prefixInit: "activations" as const }, { base, data, validation: unwired }, join(root, "bad")))
    )
    expect(r._tag).toBe("Left")
    if (r._tag === "Left") {
      expect(r.left._tag).toBe("InputError")
      expect((r.left as any).location).toContain("prefixInit")
    }
  })

  it("rejects an unsupported prefix hidden size with the field named", async () => {
    const { root, base, data } = fixture("glm1")
    const r = await Effect.runPromise(
      Effect.either(runStageOnce(train, { ...config, prefixProjection: true, prefixHiddenSize: 7 }, { base, data, validation: unwired }, join(root, "bad")))
    )
    expect(r._tag).toBe("Left")
    if (r._tag === "Left") {
      expect(r.left._tag).toBe("InputError")
      expect((r.left as any).location).toContain("prefixHiddenSize")
    }
  })
})
