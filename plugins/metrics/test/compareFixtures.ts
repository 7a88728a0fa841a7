/** Small on-disk fixtures for the comparison stage: data sets and char-bigram model artifacts. */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { artifactOf, type Artifact } from "@zaoji/core"
import { CHAR_BIGRAM_FILE, trainCharBigram, type ModelInput } from "../src/kit.js"

const opts = (a: string, b: string, c: string, d: string) => ({ A: a, B: b, C: c, D: d, E: "" })

export const examRows = [
  { id: "e1", question: "胆囊结石首选的检查是", options: opts("腹部B超", "胃镜", "心电图", "脑电图"), answer: "A", subject: "clinical_knowledge" },
  { id: "e2", question: "急性胰腺炎在我国最常见的病因是", options: opts("酗酒", "胆道疾病", "高脂血症", "外伤"), answer: "B" },
  { id: "e3", question: "乙肝病毒的传播途径主要是", options: opts("粪口传播", "空气传播", "血液传播", "蚊虫叮咬"), answer: "C" },
  { id: "e4", question: "肝硬化最常见的并发症是", options: opts("肺炎", "脑梗", "骨折", "上消化道出血"), answer: "D" }
]

export const generalRows = [
  { id: "g1", question: "一年有几个季节", options: opts("四个", "三个", "五个", "两个"), answer: "A", subject: "常识" },
  { id: "g2", question: "水的化学式是", options: opts("CO2", "H2O", "NaCl", "O2"), answer: "B", subject: "常识" },
  { id: "g3", question: "太阳从哪边升起", options: opts("西边", "北边", "东边", "南边"), answer: "C", subject: "常识" }
]

export const qaRows = [
  { id: "q1", question: "胆囊结石怎么检查？", answer: "首选腹部B超检查。" },
  { id: "q2", question: "肝硬化要注意什么？", answer: "定期复查肝功能和腹部B超。" }
]

export const subjectiveRows = [
  { id: "s1", question: "简述胆囊结石的治疗原则。", reference: "有症状者行腹腔镜胆囊切除术。", points: 10 },
  { id: "s2", question: "简述急性胰腺炎的病因。", reference: "我国以胆道疾病最常见。", points: 20 }
]

const writeJsonl = (file: string, rows: ReadonlyArray<unknown>) => writeFileSync(file, rows.map((r) => JSON.stringify(r)).join("\n") + "\n")

export const writeDataSets = (dir: string) => {
  mkdirSync(dir, { recursive: true })
  writeJsonl(join(dir, "exam.jsonl"), examRows)
  writeJsonl(join(dir, "general.jsonl"), generalRows)
  writeJsonl(join(dir, "qa.jsonl"), qaRows)
  writeJsonl(join(dir, "subjective.jsonl"), subjectiveRows)
}

/** training texts that plant each question's answer (what a "specialised" model has learnt) */
export const plantedTexts = (rows: ReadonlyArray<{ options: Record<string, string>; answer: string }>) =>
  rows.map((r) => `答案：${r.options[r.answer]}`)

/**
 * A char-bigram model artifact, shaped like a store artifact: the model folder and a
 * manifest.json with lineage and a loss curve among its metrics.
 */
export const bigramArtifact = (dir: string, name: string, texts: ReadonlyArray<string>, lossCurve: ReadonlyArray<{ step: number; loss: number }>): Artifact<ModelInput> => {
  const modelDir = join(dir, "model")
  mkdirSync(modelDir, { recursive: true })
  writeFileSync(join(modelDir, CHAR_BIGRAM_FILE), JSON.stringify(trainCharBigram(texts, { alpha: 0.5 }).toJSON()))
  const key = `key-${name}`
  writeFileSync(
    join(dir, "manifest.json"),
    JSON.stringify({
      zaoji: 1,
      key,
      workflow: "test",
      stage: { id: name, plugin: "test.bigram", version: "1" },
      config: { texts: texts.length },
      inputs: {},
      files: {},
      output: { model: "model" },
      metrics: { lossCurve, finalLoss: lossCurve[lossCurve.length - 1]?.loss ?? null },
      startedAt: "2026-01-01T00:00:00Z",
      endedAt: "2026-01-01T00:00:01Z",
      attempts: 1,
      runId: "r1",
      toolVersion: "test"
    })
  )
  return artifactOf({ model: "model" }, dir, key)
}
