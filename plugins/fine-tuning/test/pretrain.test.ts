import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { artifactOf, runStageOnce } from "@zaoji/core"
import { useBackend } from "@zaoji/tensor"
import { loadModelFolder, loadTokenizer, trainTokenizer, type Glm2Config } from "@zaoji/glm-runtime"
import { buildExample, corpusBlocks, FineTuning } from "../src/kit.js"
import { syntheticQa, writeJsonl } from "../../glm-runtime/test/trainingData.js"

const { pretrain } = FineTuning

const dirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "zaoji-pretrain-"))
  dirs.push(d)
  return d
}

beforeAll(async () => {
  await useBackend("wasm")
})
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe("supervised example layout", () => {
  const tok = trainTokenizer(["肝炎常见腹痛。", "胆囊炎怎么检查？"], { vocabSize: 400, layout: "glm1" })
  const tok2 = trainTokenizer(["肝炎常见腹痛。", "胆囊炎怎么检查？"], { vocabSize: 400, layout: "glm2" })
  it("glm1: prompt + [gMASK, <sop>] + answer + [<eop>], loss on <sop>, answer, <eop>", () => {
    const { example } = buildExample(tok, "glm1", { question: "肝炎", answer: "腹痛" }, { maxSourceLength: 64, maxTargetLength: 64 })
    const p = tok.encode("肝炎")
    const a = tok.encode("腹痛")
    const { gmask, sop, eos } = tok.special
    expect(example.inputIds).toEqual([...p, gmask, sop, ...a, eos])
    expect(example.labels).toEqual([...p.map(() => -100), -100, sop, ...a, eos])
  })
  it("glm2: [gMASK, sop] + prompt + answer + [eos], loss on answer and eos, official round prompt", () => {
    const { example } = buildExample(tok2, "glm2", { question: "肝炎", answer: "腹痛" }, { maxSourceLength: 64, maxTargetLength: 64 })
    const p = tok2.encode("[Round 1]\n\n问：肝炎\n\n答：")
    const a = tok2.encode("腹痛")
    const { gmask, sop, eos } = tok2.special
    expect(example.inputIds).toEqual([gmask, sop, ...p, ...a, eos])
    expect(example.labels).toEqual([-100, -100, ...p.map(() => -100), ...a, eos])
  })
  it("counts truncation of prompts and answers", () => {
    const r = buildExample(tok, "glm1", { question: "胆囊炎怎么检查？肝炎常见腹痛。", answer: "肝炎常见腹痛。胆囊炎怎么检查？" }, { maxSourceLength: 3, maxTargetLength: 2 })
    expect(r.sourceCut).toBeGreaterThan(0)
    expect(r.targetCut).toBeGreaterThan(0)
    expect(r.example.inputIds.length).toBe(3 + 2 + 2 + 1)
  })
  it("history uses the glm1 [Round i] format", () => {
    const { example } = buildExample(tok, "glm1", { question: "b", answer: "c", history: [["x", "y"]] }, { maxSourceLength: 200, maxTargetLength: 10 })
    const p = tok.encode("[Round 0]\n问：x\n答：y\n[Round 1]\n问：b\n答：")
    expect(example.inputIds.slice(0, p.length)).toEqual(p)
  })
  it("pretraining blocks respect the block length and carry targets", () => {
    const blocks = corpusBlocks(tok, ["肝炎常见腹痛。".repeat(20)], 16, 1)
    expect(blocks.length).toBeGreaterThan(2)
    for (const b of blocks) {
      expect(b.inputIds.length).toBeLessThanOrEqual(16)
      expect(b.labels.some((l) => l !== -100)).toBe(true)
    }
  })
})

describe("glm.pretrain stage", () => {
  for (const arch of ["glm1", "glm2"] as const) {
    it(`${arch}: trains tokenizer + micro model from a corpus; loss falls; the folder loads`, async () => {
      const dir = tmp()
      const data = join(dir, "data")
      mkdirSync(data)
      const file = writeJsonl(data, "qa.jsonl", syntheticQa(60))
      const out = await Effect.runPromise(
        runStageOnce(
          pretrain,
          { preset: "micro", arch, steps: 60, batchSize: 8, blockLength: 32, learningRate: 1e-2, warmupSteps: 5, workers: 1, evalEvery: 20 },
          { corpus: artifactOf({ file }, data) },
          join(dir, "stage")
        )
      )
      const t = out.value.training
      expect(out.value.method).toBe("pretrain")
      expect(t.steps).toBe(60)
      expect(t.lossCurve).toHaveLength(60)
      const first = t.lossCurve.slice(0, 5).reduce((a, p) => a + p.loss, 0) / 5
      const last = t.lossCurve.slice(-5).reduce((a, p) => a + p.loss, 0) / 5
      expect(last).toBeLessThan(first - 1)
      expect(t.evalCurve.length).toBe(3)
      expect(out.ctx.metrics.loss_curve).toEqual(t.lossCurve)
      const modelDir = join(out.dir, out.value.model)
      expect(existsSync(join(modelDir, "tokenizer.json"))).toBe(true)
      const loaded = loadModelFolder(modelDir)
      expect(loaded.model.config.zaoji_arch).toBe(arch)
      expect(loadTokenizer(modelDir).layout).toBe(arch)
      loaded.model.dispose()
    })
  }
})

describe("glm.pretrain with `from` (an existing checkpoint as the base)", () => {
  it("links the folder, keys on its config, and the artifact loads as the same model", async () => {
    const dir = tmp()
    const data = join(dir, "data")
    mkdirSync(data)
    const file = writeJsonl(data, "qa.jsonl", syntheticQa(20))
    const trained = await Effect.runPromise(
      runStageOnce(pretrain, { preset: "micro", steps: 2, batchSize: 4, blockLength: 16, workers: 1 }, { corpus: artifactOf({ file }, data) }, join(dir, "a"))
    )
    const source = join(trained.dir, trained.value.model)
    const imported = await Effect.runPromise(runStageOnce(pretrain, { from: source }, { corpus: artifactOf({ file }, data) }, join(dir, "b")))
    expect(imported.value.method).toBe("import")
    expect(imported.value.training.steps).toBe(0)
    expect(pretrain.files!({ from: source } as never)).toEqual([join(source, "config.json")])
    const a = loadModelFolder(source)
    const b = loadModelFolder(join(imported.dir, imported.value.model))
    try {
      const name = Object.keys(a.model.weights)[0]!
      expect(Array.from(b.model.weights[name]!.dataSync())).toEqual(Array.from(a.model.weights[name]!.dataSync()))
    } finally {
      a.model.dispose()
      b.model.dispose()
    }
  })

  it("refuses a folder that is not a model, naming the field", async () => {
    const dir = tmp()
    const data = join(dir, "data")
    mkdirSync(data)
    const file = writeJsonl(data, "qa.jsonl", syntheticQa(4))
    const missing = await Effect.runPromise(Effect.flip(runStageOnce(pretrain, { from: join(dir, "nope") }, { corpus: artifactOf({ file }, data) }, join(dir, "c"))))
    expect(missing._tag).toBe("InputError")
    expect(String((missing as { message: string }).message)).toMatch(/is not a folder/)
    const notModel = await Effect.runPromise(Effect.flip(runStageOnce(pretrain, { from: data }, { corpus: artifactOf({ file }, data) }, join(dir, "d"))))
    expect(notModel._tag).toBe("InputError")
  })
})

describe("GLM training program", () => {
  it("leaves the live tensor count unchanged across gradient and eval steps (full, freeze, prefix)", async () => {
    const { createGlmProgram } = await import("../src/kit.js")
    const { presetConfig, baseWeightShapes } = await import("@zaoji/glm-runtime")
    const { tensorCountsOver } = await import("@zaoji/tensor")
    const cfg = presetConfig("micro", { arch: "glm2", pre_seq_len: 3 }) as Glm2Config
    const names = Object.keys(baseWeightShapes(cfg))
    const batch = { inputIds: [[cfg.gmask_token_id!, cfg.sop_token_id!, 7, 8, 9, 2], [cfg.gmask_token_id!, cfg.sop_token_id!, 10, 2, 0, 0]], labels: [[-100, -100, -100, 8, 9, 2], [-100, -100, 10, 2, -100, -100]] }
    for (const trainable of [names, names.filter((n) => n.includes("layers.1.")), ["transformer.prefix_encoder.embedding.weight"]]) {
      const program = await createGlmProgram({ config: cfg, initSeed: 1, trainable })
      const counts = await tensorCountsOver(4, async () => {
        const r = await program.gradients(batch)
        program.setTrainable(Object.fromEntries(Object.entries(r.grads).map(([n, g]) => [n, g.map((x) => x * 0.1)])))
        await program.evalLoss(batch)
      })
      expect(new Set(counts).size).toBe(1)
      program.dispose()
    }
  })
})
