import * as tf from "@tensorflow/tfjs"
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect, Either } from "effect"
import { InputError, PermanentError, artifactOf, runStageOnce } from "@zaoji/core"
import type { ModelArtifact, Tokenizer } from "@zaoji/glm-runtime"
import { blindKit } from "../src/human/blindKitStage.js"
import { glmResponder } from "../src/human/glmResponder.js"
import { runScriptedDialogues } from "../src/human/dialogue.js"
import { saveTinyModelFolder, tinyModel, tinyTokenizer } from "./human-tinyModel.js"

const QUESTIONS = [
  { id: "h1", question: "胆囊结石有什么症状？", answer: "右上腹痛。" },
  { id: "h2", question: "乙肝患者要戒酒吗？", answer: "要。" },
  { id: "h3", question: "肝功能检查包括什么？", answer: "转氨酶等。" }
]
const SCRIPTS = [
  { id: "d1", messages: [{ role: "user", content: "我右上腹痛。" }, { role: "user", content: "要做B超吗？" }] },
  { id: "d2", messages: [{ role: "system", content: "你是医生。" }, { role: "user", content: "黄疸是什么？" }] }
]
const SETTINGS = { maxNewTokens: 5, batchSize: 2 }

const training: ModelArtifact["training"] = {
  steps: 0, epochs: 0, trainExamples: 0, validationExamples: 0, trainableParams: 0, finalTrainLoss: null, finalEvalLoss: null,
  bestEvalLoss: null, stoppedEarly: false, resumedFromStep: null, workers: 1, tokensPerSecond: 0, peakRssBytes: 0,
  sourceTruncated: 0, targetTruncated: 0, lossCurve: [], evalCurve: []
}

describe("stage metrics.blind-kit", () => {
  let root: string
  let tokenizer: Tokenizer
  const modelArtifact = (name: string) => artifactOf<ModelArtifact>({ model: "model", arch: "glm2", method: "pretrain", training }, join(root, name))

  const saveModel = (name: string, seed: number) => saveTinyModelFolder(join(root, name, "model"), tokenizer, seed)
  /** what a model answers when asked directly (no kit involved) */
  const directAnswers = async (seed: number) => {
    const model = tinyModel(tokenizer, seed)
    try {
      const respond = glmResponder(model, tokenizer, SETTINGS)
      const answers = await respond(QUESTIONS.map((q) => [{ role: "user" as const, content: q.question }]))
      const dialogues = await runScriptedDialogues(
        [{ id: "d1", system: undefined, turns: ["我右上腹痛。", "要做B超吗？"] }, { id: "d2", system: "你是医生。", turns: ["黄疸是什么？"] }],
        respond
      )
      return { answers, dialogues }
    } finally {
      model.dispose()
    }
  }

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "zaoji-blindkit-"))
    tokenizer = tinyTokenizer()
    saveModel("base", 1)
    saveModel("tuned", 2)
    writeFileSync(join(root, "questions.jsonl"), QUESTIONS.map((q) => JSON.stringify(q)).join("\n") + "\n")
    writeFileSync(join(root, "scripts.jsonl"), SCRIPTS.map((q) => JSON.stringify(q)).join("\n") + "\n")
  })
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  const config = { questions: "questions.jsonl", dialogues: "scripts.jsonl", names: { model1: "base", model2: "MedGLM-H" }, seed: 3, title: "肝胆", ...SETTINGS }
  const run = (dir: string, inputs: Record<string, unknown>, cfg: Record<string, unknown> = config) =>
    Effect.runPromise(Effect.either(runStageOnce(blindKit, cfg as any, inputs as any, dir, { baseDir: root, stageId: "blind" })))

  it("writes a kit whose unblinded answers are each model's own greedy answers, releasing every tensor", async () => {
    const before = tf.memory().numTensors
    const r = await run(join(root, "run1"), { model1: modelArtifact("base"), model2: modelArtifact("tuned") })
    expect(tf.memory().numTensors).toBe(before)
    const out = Either.getOrThrow(r)
    expect(out.value).toEqual({ kit: "kit", mapping: "mapping.json", models: ["base", "MedGLM-H"], questions: 3, conversations: 4, sensitive: false })
    const kit = JSON.parse(readFileSync(join(out.dir, "kit", "kit.json"), "utf8"))
    const mapping = JSON.parse(readFileSync(join(out.dir, "mapping.json"), "utf8"))
    expect(existsSync(join(out.dir, "kit", "mapping.json"))).toBe(false)
    expect(kit.title).toBe("肝胆")

    const expected = { base: await directAnswers(1), "MedGLM-H": await directAnswers(2) }
    expect(expected.base.answers).not.toEqual(expected["MedGLM-H"].answers)
    for (const q of kit.questions) {
      const qi = QUESTIONS.findIndex((x) => x.id === q.id)
      expect(q.question).toBe(QUESTIONS[qi]!.question)
      for (const a of q.answers) {
        const model = mapping.questions[q.id][a.label] as keyof typeof expected
        expect(a.text).toBe(expected[model].answers[qi])
      }
    }
    for (const d of kit.dialogues) {
      const model = mapping.dialogues[d.id] as keyof typeof expected
      expect(d.turns).toEqual(expected[model].dialogues.find((x) => x.scriptId === d.scriptId)!.turns)
    }
    expect(out.ctx.metrics).toMatchObject({ questions: 3, conversations: 4 })
    expect(out.ctx.progressEvents.at(-1)).toMatchObject({ done: 10, total: 10, unit: "items" })
  })

  it("resumes from its checkpoint: finished models are not loaded again", async () => {
    const dir = join(root, "run2")
    // first attempt: the second model's folder is missing, so the stage fails after the first model
    renameSync(join(root, "tuned"), join(root, "tuned-away"))
    const failed = await run(dir, { model1: modelArtifact("base"), model2: modelArtifact("tuned") })
    const err = Either.getLeft(failed)
    expect(err._tag).toBe("Some")
    expect((err as any).value).toBeInstanceOf(PermanentError)
    expect((err as any).value.message).toMatch(/cannot load model "MedGLM-H"/)
    // second attempt: the first model is gone now, the second is back; only the checkpoint can supply the first
    renameSync(join(root, "tuned-away"), join(root, "tuned"))
    renameSync(join(root, "base"), join(root, "base-away"))
    try {
      const out = Either.getOrThrow(await run(dir, { model1: modelArtifact("base"), model2: modelArtifact("tuned") }))
      const kit = JSON.parse(readFileSync(join(out.dir, "kit", "kit.json"), "utf8"))
      const mapping = JSON.parse(readFileSync(join(out.dir, "mapping.json"), "utf8"))
      const base = await directAnswers(1)
      const q = kit.questions[0]
      const label = Object.entries(mapping.questions[q.id]).find(([, m]) => m === "base")![0]
      expect(q.answers.find((a: any) => a.label === label).text).toBe(base.answers[QUESTIONS.findIndex((x) => x.id === q.id)])
    } finally {
      renameSync(join(root, "base-away"), join(root, "base"))
    }
  })

  it("rates a seeded sample of the questions, in file order", async () => {
    const cfg = { questions: "questions.jsonl", sample: 2, seed: 3, maxNewTokens: 2 }
    const a = Either.getOrThrow(await run(join(root, "s1"), { model1: modelArtifact("base") }, cfg))
    const b = Either.getOrThrow(await run(join(root, "s2"), { model1: modelArtifact("base") }, cfg))
    const ids = (dir: string) => JSON.parse(readFileSync(join(dir, "kit", "kit.json"), "utf8")).questions.map((q: any) => q.id)
    expect(a.value.questions).toBe(2)
    expect(ids(a.dir)).toEqual(ids(b.dir))
    expect(ids(a.dir)).toEqual(QUESTIONS.map((q) => q.id).filter((id) => ids(a.dir).includes(id)))
    expect(a.value.models).toEqual(["model1"])
  })

  it("rejects bad wiring and bad input files with the field or file:line", async () => {
    const expectInputError = async (r: Either.Either<unknown, unknown>, pattern: RegExp) => {
      const e = (Either.getLeft(r) as any).value
      expect(e).toBeInstanceOf(InputError)
      expect(e.message).toMatch(pattern)
    }
    await expectInputError(await run(join(root, "e1"), {}), /no model wired \(expected at least one of the inputs model1/)
    await expectInputError(await run(join(root, "e2"), { model1: modelArtifact("base") }), /blind\.names\.model2: expected the name of a wired model input \(model1\)/)
    await expectInputError(
      await run(join(root, "e3"), { model1: modelArtifact("base"), model2: modelArtifact("tuned") }, { ...config, names: { model1: "x", model2: "x" } }),
      /two models are called "x"/
    )
    writeFileSync(join(root, "dup.jsonl"), [QUESTIONS[0], QUESTIONS[1], QUESTIONS[0]].map((q) => JSON.stringify(q)).join("\n"))
    await expectInputError(await run(join(root, "e4"), { model1: modelArtifact("base") }, { questions: "dup.jsonl" }), /dup\.jsonl:3: id: duplicate question id "h1" \(first at line 1\)/)
    writeFileSync(join(root, "bad.jsonl"), JSON.stringify(QUESTIONS[0]) + "\n" + JSON.stringify({ id: "x", question: "" }) + "\n")
    await expectInputError(await run(join(root, "e5"), { model1: modelArtifact("base") }, { questions: "bad.jsonl" }), /bad\.jsonl/)
    await expectInputError(await run(join(root, "e6"), { model1: modelArtifact("base") }, {}), /nothing to rate/)
  })
})
