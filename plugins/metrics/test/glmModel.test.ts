import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import { artifactOf, runStageOnce } from "@zaoji/core"
import { initWeights, presetConfig, saveModelFolder, saveTokenizer, scoreContinuations, trainTokenizer, loadModelFolder, buildGenerationInput } from "@zaoji/glm-runtime"
import { ensureBackend } from "@zaoji/tensor"
import { beforeAll, describe, expect, it } from "vitest"
import { compareModels, evaluateExam, openModel } from "../src/kit.js"
import { examRows, qaRows, writeDataSets } from "./compareFixtures.js"
import { Schema } from "effect"
import { ExamQuestion } from "@zaoji/data"

const corpus = [
  "以下是中国关于医学考试的单项选择题，请选出其中的正确答案。",
  "胆囊结石首选的检查是腹部B超。急性胰腺炎在我国最常见的病因是胆道疾病。",
  "乙肝病毒的传播途径主要是血液传播。肝硬化最常见的并发症是上消化道出血。",
  "答案：A B C D E 问：答：",
  ...qaRows.flatMap((q) => [q.question, q.answer])
]

/** a tiny random-weight GLM model folder (trained tokenizer + micro preset) */
const makeModelFolder = (arch: "glm1" | "glm2", seed: number): string => {
  const dir = mkdtempSync(join(tmpdir(), `glm-${arch}-`))
  const tokenizer = trainTokenizer(corpus, { vocabSize: 420, layout: arch })
  const cfg = presetConfig("micro", { arch, tokenizer })
  const weights = initWeights(cfg, { seed, std: 0.2 })
  saveModelFolder(join(dir, "model"), cfg, weights)
  for (const t of Object.values(weights)) t.dispose()
  saveTokenizer(tokenizer, join(dir, "model"))
  return dir
}

const questions = examRows.map((r) => Schema.decodeUnknownSync(ExamQuestion)(r))

describe.each(["glm1", "glm2"] as const)("GLM models under evaluation (%s)", (arch) => {
  let dir: string
  beforeAll(async () => {
    await ensureBackend()
    dir = makeModelFolder(arch, 11)
  })

  it("scores options with the runtime's log-likelihoods, generates greedily and leaks no tensor", async () => {
    const before = tf.memory().numTensors
    const result = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const opened = yield* openModel("m", artifactOf({ model: "model" }, dir), 0)
          expect(opened.kind).toBe("glm")
          const ll = yield* opened.lm.loglik([{ context: "胆囊结石首选的检查是", continuation: "腹部B超" }])
          const afterLoad = tf.memory().numTensors
          const r1 = yield* evaluateExam(opened.lm, questions, { method: "loglik", shots: 0, batchSize: 2 })
          expect(tf.memory().numTensors).toBe(afterLoad)
          const g1 = yield* evaluateExam(opened.lm, questions, { method: "generate", shots: 0, maxNewTokens: 6 })
          const g2 = yield* evaluateExam(opened.lm, questions, { method: "generate", shots: 0, maxNewTokens: 6 })
          expect(tf.memory().numTensors).toBe(afterLoad)
          return { ll, r1, g1, g2, truncated: opened.truncated() }
        })
      )
    )
    // every tensor of the model is released with its scope
    expect(tf.memory().numTensors).toBe(before)
    expect(result.ll[0].sum).toBeLessThan(0)
    expect(result.ll[0].count).toBeGreaterThan(0)
    // greedy decoding with a fixed seed is reproducible
    expect(result.g2.items.map((i) => i.reply)).toEqual(result.g1.items.map((i) => i.reply))
    for (const it of result.r1.items) {
      expect(it.options!.length).toBe(4)
      for (const [, sum] of it.options!) expect(sum).toBeLessThan(0)
    }
  })

  it("log-likelihoods equal the runtime's scoring of the chat-formatted prompt", async () => {
    const loaded = loadModelFolder(join(dir, "model"))
    const { loadTokenizer } = await import("@zaoji/glm-runtime")
    const tokenizer = loadTokenizer(join(dir, "model"))
    try {
      const direct = await scoreContinuations(loaded.model, [
        { context: buildGenerationInput(tokenizer, [{ role: "user", content: "肝硬化" }]).ids, continuation: tokenizer.encode("上消化道出血") }
      ])
      const viaAdapter = await Effect.runPromise(
        Effect.scoped(
          Effect.flatMap(openModel("m", artifactOf({ model: "model" }, dir), 0), (o) => o.lm.loglik([{ context: "肝硬化", continuation: "上消化道出血" }]))
        )
      )
      expect(viaAdapter[0].sum).toBeCloseTo(direct[0].sum, 5)
      expect(viaAdapter[0].count).toBe(direct[0].count)
    } finally {
      loaded.model.dispose()
    }
  })

  it("answers a question that continues a conversation with its earlier turns in the prompt, as the runtime's chat does", async () => {
    const { loadTokenizer, generate, processResponse } = await import("@zaoji/glm-runtime")
    const loaded = loadModelFolder(join(dir, "model"))
    const tokenizer = loadTokenizer(join(dir, "model"))
    // short turns: the micro model's context is 64 tokens, and a cut prompt would differ
    const history = [["肝硬化", "上消化道出血"]] as const
    const messages = [
      { role: "user" as const, content: history[0][0] },
      { role: "assistant" as const, content: history[0][1] },
      { role: "user" as const, content: "胆囊结石" }
    ]
    try {
      const ids = buildGenerationInput(tokenizer, messages).ids
      expect(ids.length).toBeLessThan(64 - 8)
      const res = await generate(loaded.model, [ids], { maxNewTokens: 8, doSample: false, temperature: 0, seed: 0, stopIds: tokenizer.stopIds })
      const stop = new Set(tokenizer.stopIds)
      const direct = processResponse(tokenizer.chatFormat, tokenizer.decode(res.tokens[0]!.filter((t) => !stop.has(t))))
      const before = tf.memory().numTensors
      const viaAdapter = await Effect.runPromise(
        Effect.scoped(
          Effect.flatMap(openModel("m", artifactOf({ model: "model" }, dir), 0), (o) =>
            Effect.map(o.lm.generate([{ query: "胆囊结石", history }, "胆囊结石"], { maxNewTokens: 8 }), (r) => {
              expect(o.truncated()).toBe(0)
              return r
            })
          )
        )
      )
      expect(tf.memory().numTensors).toBe(before)
      expect(viaAdapter[0]).toBe(direct)
      // and the same question alone is a different prompt (the adapter did not drop the history)
      expect(buildGenerationInput(tokenizer, [messages[2]!]).ids).not.toEqual(ids)
    } finally {
      loaded.model.dispose()
    }
  })
})

describe("metrics.compare over GLM model folders", () => {
  it("evaluates two tiny models end to end", async () => {
    await ensureBackend()
    const a = makeModelFolder("glm1", 3)
    const b = makeModelFolder("glm1", 4)
    const data = mkdtempSync(join(tmpdir(), "glm-data-"))
    writeDataSets(data)
    const before = tf.memory().numTensors
    const stage = compareModels(["base", "tuned"])
    const res = await Effect.runPromise(
      runStageOnce(
        stage,
        { exam: { file: "exam.jsonl", limit: 2 }, qa: { file: "qa.jsonl" }, decoding: { maxNewTokens: 8 }, bootstrap: { resamples: 100 } },
        { base: artifactOf({ model: "model" }, a, "ka"), tuned: artifactOf({ model: "model" }, b, "kb") },
        join(data, "run"),
        { baseDir: data }
      )
    )
    expect(tf.memory().numTensors).toBe(before)
    expect(Object.keys(res.value.summary["exam.loglik.acc"]!)).toEqual(["base", "tuned"])
    expect(res.value.summary["qa.sacrebleu_zh"]!["base"]).toBeGreaterThanOrEqual(0)
  })
})
