/**
 * A micro version of the hepatobiliary workflow's wiring for the leakage and flag tests: the real
 * dataset stages (load, merge, split, pick) and `metrics.compare`, with a char-bigram "trainer" in
 * place of pretraining, P-Tuning and freeze tuning (a model stage that trains on its `data` input on
 * top of its `model` input — what the lineage walk looks at), so a whole run takes a second.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Schema } from "effect"
import { type Artifact, Stage, Workflow, runWorkflow, type RunEvent } from "@zaoji/core"
import { QaDataset } from "@zaoji/data"
import { Datasets } from "@zaoji/datasets"
import { CHAR_BIGRAM_FILE, Metrics, trainCharBigram, type ModelInput } from "../src/kit.js"

const TEXTS = "texts.json"

const BigramModel = Schema.Struct({
  model: Schema.String,
  method: Schema.Literal("pretrain", "freeze"),
  learning: Schema.optional(
    Schema.Struct({ verdict: Schema.Literal("learning", "not-learning"), firstWindowLoss: Schema.Number, lastWindowLoss: Schema.Number, window: Schema.Number, note: Schema.String })
  )
})

/**
 * Trains a char-bigram model on its input model's texts plus the question + answer of every pair
 * of `data`; `epochs: 0` copies the input model unchanged (a tune that changes nothing);
 * `learning` records a training verdict the way glm-runtime's model stages do.
 */
export const bigramTrain = Stage.make({
  name: "test.bigram-train",
  version: "1",
  config: Schema.Struct({
    epochs: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 1 }),
    learning: Schema.optional(Schema.Literal("learning", "not-learning"))
  }),
  output: BigramModel,
  inputs: Stage.inputsWithOptional<{ data: QaDataset; model: ModelInput | undefined }>(["data", "model"], ["model"]),
  run: ({ config, inputs, ctx }) =>
    Effect.sync(() => {
      const out = join(ctx.outDir, "model")
      mkdirSync(out, { recursive: true })
      const from = (inputs as { model?: Artifact<ModelInput> }).model
      const fromDir = from && join(from.dir, from.value.model)
      if (config.epochs === 0 && fromDir !== undefined) {
        for (const f of [CHAR_BIGRAM_FILE, TEXTS]) copyFileSync(join(fromDir, f), join(out, f))
      } else {
        const before: Array<string> = fromDir !== undefined && existsSync(join(fromDir, TEXTS)) ? JSON.parse(readFileSync(join(fromDir, TEXTS), "utf8")) : []
        const rows = readFileSync(join(inputs.data.dir, inputs.data.value.file), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { question: string; answer: string })
        const texts = [...before, ...rows.map((r) => r.question + r.answer)]
        writeFileSync(join(out, CHAR_BIGRAM_FILE), JSON.stringify(trainCharBigram(texts, { alpha: 0.5 }).toJSON()))
        writeFileSync(join(out, TEXTS), JSON.stringify(texts))
      }
      const learning =
        config.learning === undefined
          ? undefined
          : { verdict: config.learning, firstWindowLoss: 6.18, lastWindowLoss: config.learning === "learning" ? 3.1 : 6.18, window: 20, note: `the loss did not fall beyond noise: 6.18 → ${config.learning === "learning" ? "3.1" : "6.18"}` }
      return { model: "model", method: from === undefined ? ("pretrain" as const) : ("freeze" as const), ...(learning ? { learning } : {}) }
    })
})

const pair = (id: string, question: string, answer: string, source: string) => ({ id, question, answer, source })

/** sample QA: knowledge-graph pairs, general pairs, record pairs and the base's own text */
export const writeMicroData = (dir: string) => {
  mkdirSync(dir, { recursive: true })
  const jsonl = (rows: ReadonlyArray<unknown>) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n"
  const organs = ["胆囊", "肝脏", "胰腺", "胆管", "脾脏", "十二指肠", "门静脉", "肝内胆管", "胆总管", "壶腹部"]
  writeFileSync(
    join(dir, "kg_qa.jsonl"),
    jsonl(organs.flatMap((o, i) => [pair(`kg-${i}a`, `${o}炎有什么症状？`, `${o}炎常见腹痛、发热${i}。`, "kg-template"), pair(`kg-${i}b`, `${o}结石怎么治疗？`, `${o}结石可行手术${i}。`, "kg-template")]))
  )
  writeFileSync(join(dir, "general_qa.jsonl"), jsonl(["感冒", "发烧", "咳嗽", "失眠", "头痛", "腹泻"].map((s, i) => pair(`g-${i}`, `${s}了怎么办？`, `${s}时多休息，必要时就医${i}。`, "general"))))
  writeFileSync(join(dir, "records_qa.jsonl"), jsonl(organs.map((o, i) => pair(`r-${i}`, `患者右上腹痛${i}天，${o}超声异常。`, `诊断：${o}病变${i}；行手术。`, "records"))))
  const opts = (a: string, b: string, c: string, d: string) => ({ A: a, B: b, C: c, D: d, E: "" })
  writeFileSync(
    join(dir, "exam.jsonl"),
    jsonl([
      { id: "e1", question: "胆囊结石首选的检查是", options: opts("腹部B超", "胃镜", "心电图", "脑电图"), answer: "A" },
      { id: "e2", question: "急性胰腺炎在我国最常见的病因是", options: opts("酗酒", "胆道疾病", "高脂血症", "外伤"), answer: "B" },
      { id: "e3", question: "肝硬化最常见的并发症是", options: opts("肺炎", "脑梗", "骨折", "上消化道出血"), answer: "D" }
    ])
  )
  writeFileSync(join(dir, "base_text.jsonl"), jsonl(["人体由细胞构成。", "血液在血管中流动。", "医生为病人看病。"].map((t, i) => pair(`b-${i}`, `第${i}句`, t, "corpus"))))
}

/**
 * The hepatobiliary wiring in small: stage 1 trains on the train part of kg-qa + general-qa, the
 * general test part is evaluated; stage 2 trains on the record train part plus a replay set —
 * `old`: all of kg-qa (which the general test part was split from), `fixed`: stage 1's training part.
 */
export const microWorkflow = (replay: "old" | "fixed") =>
  Workflow.make("leakage-micro", (w) => {
    const baseText = w.stage("base-text", Datasets.load, { source: "base_text.jsonl", label: "corpus" })
    const base = w.stage("base", bigramTrain, {}, { data: baseText })
    const kgQa = w.stage("kg-qa", Datasets.load, { source: "kg_qa.jsonl", label: "kg-template" })
    const generalQa = w.stage("general-qa", Datasets.load, { source: "general_qa.jsonl", label: "general" })
    const generalData = w.stage("general-data", Datasets.merge, { shuffleSeed: 7 }, { a: kgQa, b: generalQa })
    const generalSplit = w.stage("general-split", Datasets.split, { train: 0.7, validation: 0, test: 0.3, stratifyBy: "source", seed: 7 }, { data: generalData })
    const generalTrain = w.stage("general-train", Datasets.pick, { part: "train" }, { split: generalSplit })
    const generalTest = w.stage("general-test", Datasets.pick, { part: "test" }, { split: generalSplit })
    const stage1 = w.stage("medglm-general", bigramTrain, {}, { model: base, data: generalTrain })
    const records = w.stage("records", Datasets.load, { source: "records_qa.jsonl", label: "records" })
    const recordSplit = w.stage("records-split", Datasets.split, { train: 0.7, validation: 0, test: 0.3, stratifyBy: "none", seed: 7 }, { data: records })
    const recordTrain = w.stage("records-train", Datasets.pick, { part: "train" }, { split: recordSplit })
    const recordTest = w.stage("records-test", Datasets.pick, { part: "test" }, { split: recordSplit })
    const specialtyData = w.stage("specialty-data", Datasets.merge, { shuffleSeed: 11 }, { a: recordTrain, b: replay === "old" ? kgQa : generalTrain })
    const stage2 = w.stage("medglm-h", bigramTrain, {}, { model: stage1, data: specialtyData })
    w.stage(
      "eval",
      Metrics.compare,
      {
        title: `micro (${replay} wiring)`,
        exam: { file: "exam.jsonl" },
        decoding: { maxNewTokens: 12 },
        bootstrap: { resamples: 100 },
        gate: { reference: "stage1", metric: "general_qa.chatglm.rouge-l", maxDrop: 2, mode: "flag" }
      },
      { base, stage1, stage2, heldOut: recordTest, generalQa: generalTest }
    )
  })

export const microDir = () => {
  const root = mkdtempSync(join(tmpdir(), "leakage-"))
  const data = join(root, "wf")
  writeMicroData(data)
  return { root, data }
}

/** run the micro workflow in-process; the eval stage's failure message when it failed */
export const runMicro = async (replay: "old" | "fixed", dir: { root: string; data: string }, set: ReadonlyArray<string> = []) => {
  const events: Array<RunEvent> = []
  const exit = await Effect.runPromiseExit(
    runWorkflow({ workflow: microWorkflow(replay), baseDir: dir.data, storeDir: join(dir.root, "store"), set, onEvent: (e) => events.push(e) })
  )
  const evalEvent = events.find((e): e is Extract<RunEvent, { type: "stage" }> => e.type === "stage" && e.stage === "eval" && (e.status === "done" || e.status === "failed" || e.status === "cached"))
  const summary = Exit.isSuccess(exit) ? exit.value : undefined
  const evalDir = summary?.stages.find((s) => s.stage === "eval")?.dir
  const failure = Exit.isFailure(exit) ? JSON.stringify(exit.cause) : undefined
  return { exit, events, evalEvent, evalDir, failure }
}
