import { Effect, Schema } from "effect"
import { ExamQuestion, readRows } from "@zaoji/data"
import { hasShared, sharedPath, sharedSuiteTitle } from "@zaoji/testing"
import { describe, expect, it } from "vitest"
import {
  bootstrapMeanCi,
  cevalPrompt,
  evaluateExam,
  extractAnswer,
  pickShots,
  trainCharBigram
} from "../src/kit.js"

const q = (id: string, question: string, options: Record<string, string>, answer: string, subject = ""): ExamQuestion =>
  Schema.decodeUnknownSync(ExamQuestion)({ id, question, options: { E: "", ...options }, answer, subject, source: "T" })

const q1 = q("q1", "胆囊结石首选的检查是", { A: "腹部B超", B: "胃镜", C: "心电图", D: "脑电图" }, "A", "clinical_knowledge")
const q2 = q("q2", "急性胰腺炎最常见的病因在我国是", { A: "酗酒", B: "胆道疾病", C: "高脂血症", D: "外伤", E: "药物" }, "B")

describe("C-Eval prompt", () => {
  it("lays out the zero-shot prompt exactly, hiding missing options", () => {
    expect(cevalPrompt(q1, [], "医学")).toBe(
      "以下是中国关于临床知识考试的单项选择题，请选出其中的正确答案。\n\n" +
        "胆囊结石首选的检查是\nA. 腹部B超\nB. 胃镜\nC. 心电图\nD. 脑电图\n答案："
    )
  })
  it("adds worked examples with their answers; subjectless questions use the default subject", () => {
    const p = cevalPrompt(q2, [q1], "医学")
    expect(p.startsWith("以下是中国关于医学考试的单项选择题")).toBe(true)
    expect(p).toContain("D. 脑电图\n答案：A\n\n急性胰腺炎")
    expect(p.endsWith("E. 药物\n答案：")).toBe(true)
  })
  it("picks shots of the same subject first, never the question itself", () => {
    const pool = [q2, q1, q("q3", "x", { A: "a", B: "b", C: "c", D: "d" }, "A", "clinical_knowledge")]
    expect(pickShots(q1, pool, 1).map((s) => s.id)).toEqual(["q3"])
    expect(pickShots(q1, pool, 2).map((s) => s.id)).toEqual(["q3", "q2"])
    expect(pickShots(q1, pool, 0)).toEqual([])
  })
})

describe("answer extraction", () => {
  const cases: Array<[string, string | null]> = [
    ["B", "B"],
    ["（B）胆道疾病", "B"],
    ["B. 胆道疾病", "B"],
    ["本题答案是E。", "E"],
    ["正确答案：C", "C"],
    ["应选D，因为……", "D"],
    ["我认为是胆道疾病", "B"],
    ["DNA 不对，答案为 A", "A"],
    ["无法判断", null],
    ["A或B都有可能", null]
  ]
  for (const [reply, want] of cases) it(`${JSON.stringify(reply)} → ${want}`, () => expect(extractAnswer(reply, q2)).toBe(want))
  it("ignores letters of options that do not exist", () => expect(extractAnswer("E", q1)).toBe(null))
})

describe("bootstrap interval", () => {
  it("is reproducible for a seed, brackets the mean, and collapses for constant data", () => {
    const xs = Array.from({ length: 200 }, (_, i) => (i % 4 === 0 ? 0 : 1))
    const a = bootstrapMeanCi(xs, { seed: 7 })
    expect(bootstrapMeanCi(xs, { seed: 7 })).toEqual(a)
    expect(a.low).toBeLessThan(0.75)
    expect(a.high).toBeGreaterThan(0.75)
    // binomial sd of the mean ≈ 0.0306 → half-width ≈ 0.06
    expect(a.high - a.low).toBeGreaterThan(0.09)
    expect(a.high - a.low).toBeLessThan(0.15)
    expect(bootstrapMeanCi([1, 1, 1], { seed: 1 })).toEqual({ low: 1, high: 1 })
  })
})

describe("exam scoring with a model whose log-likelihoods are known", () => {
  // the answers are planted in the training text after "答案："
  const lm = trainCharBigram(["答案：腹部B超", "答案：胆道疾病", "答案：B", "答案：B", "答案：A"], { alpha: 0.5 })

  it("log-likelihood sums are the model's closed form; acc and acc_norm follow the definitions", async () => {
    const res = await Effect.runPromise(evaluateExam(lm, [q1, q2], { method: "loglik", shots: 0, bootstrapResamples: 200 }))
    const item = res.items[0]
    const sumOf = (text: string) => {
      let prev = "："
      let s = 0
      for (const c of text) {
        s += lm.logProb(prev, c)
        prev = c
      }
      return s
    }
    expect(item.options!.map((o) => o[0])).toEqual(["A", "B", "C", "D"])
    item.options!.forEach(([l, sum, chars]) => {
      expect(sum).toBeCloseTo(sumOf(q1.options[l]), 12)
      expect(chars).toBe(Array.from(q1.options[l]).length)
    })
    const sums = item.options!.map((o) => o[1])
    const norm = item.options!.map((o) => o[1] / o[2])
    expect(item.predicted).toBe(item.options![sums.indexOf(Math.max(...sums))][0])
    expect(item.predictedNorm).toBe(item.options![norm.indexOf(Math.max(...norm))][0])
    // the planted continuations win under length normalisation
    expect(res.items.map((i) => i.predictedNorm)).toEqual(["A", "B"])
    expect(res.accNorm).toBe(1)
    expect(res.acc).toBe(res.items.filter((i) => i.correct).length / 2)
    expect(Object.keys(res.bySubject).sort()).toEqual(["T", "clinical_knowledge"])
    expect(res.bySubject["clinical_knowledge"].n).toBe(1)
  })

  it("letter targets and generation with letter extraction", async () => {
    const byLetter = await Effect.runPromise(evaluateExam(lm, [q1, q2], { method: "loglik", shots: 0, target: "letter" }))
    // "B" follows "：" twice in training, "A" once: the letter B wins for both questions
    expect(byLetter.items.map((i) => i.predicted)).toEqual(["B", "B"])
    expect(byLetter.acc).toBe(0.5)
    const gen = await Effect.runPromise(evaluateExam(lm, [q1, q2], { method: "generate", shots: 0, maxNewTokens: 4 }))
    expect(gen.items.map((i) => i.reply![0])).toEqual(["B", "B"])
    expect(gen.items.map((i) => i.predicted)).toEqual(["B", "B"])
    expect(gen.acc).toBe(0.5)
    expect(gen.unparsed).toBe(0)
  })
})

describe.skipIf(!hasShared)(sharedSuiteTitle("exam data set layout"), () => {
  it("every dev question decodes and yields a prompt over its 4 or 5 options", async () => {
    const res = await Effect.runPromise(readRows(sharedPath("data", "exam", "dev.jsonl"), ExamQuestion))
    expect(res.bad).toBe(0)
    expect(res.rows.length).toBe(7969)
    const counts = new Map<number, number>()
    for (const x of res.rows) {
      const p = cevalPrompt(x, [], "医学")
      const n = (p.match(/\n[A-E]\. /g) ?? []).length
      counts.set(n, (counts.get(n) ?? 0) + 1)
    }
    expect([...counts.keys()].sort()).toEqual([4, 5])
  })
})
