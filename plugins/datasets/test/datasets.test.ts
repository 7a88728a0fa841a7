import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Either } from "effect"
import { describe, expect, it } from "vitest"
import { artifactOf, runStageOnce } from "@zaoji/core"
import type { QaPair } from "@zaoji/data"
import { Datasets, samplePairs, splitPairs } from "../src/index.js"

const tempDir = () => mkdtempSync(join(tmpdir(), "zaoji-datasets-"))
const pairs = (n: number, relation: (i: number) => string, prefix = "q"): Array<QaPair> =>
  Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, question: `${prefix}问题${i}`, answer: `答${i}`, source: prefix, relation: relation(i), sensitive: false }))

const datasetIn = (rows: ReadonlyArray<QaPair>, sensitive = false) => {
  const dir = tempDir()
  writeFileSync(join(dir, "qa.jsonl"), rows.map((r) => JSON.stringify(r)).join("\n") + "\n")
  return artifactOf({ file: "qa.jsonl", kind: "qa" as const, count: rows.length, sensitive, byStratum: {} }, dir)
}
const lines = (p: string) => readFileSync(p, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l))

describe("split", () => {
  const rows = pairs(100, (i) => (i < 60 ? "symptoms" : i < 90 ? "checks" : "drugs"))

  it("keeps ratios overall and per stratum, partitions exactly, and is seeded", () => {
    const s = splitPairs(rows, { train: 0.8, validation: 0.1, test: 0.1 }, 7, "relation")
    expect([s.train.length, s.validation.length, s.test.length]).toEqual([80, 10, 10])
    const all = [...s.train, ...s.validation, ...s.test].map((r) => r.id).sort()
    expect(all).toEqual(rows.map((r) => r.id).sort())
    expect(s.test.filter((r) => r.relation === "symptoms")).toHaveLength(6)
    expect(s.test.filter((r) => r.relation === "checks")).toHaveLength(3)
    expect(splitPairs([...rows].reverse(), { train: 0.8, validation: 0.1, test: 0.1 }, 7, "relation")).toEqual(s)
    expect(splitPairs(rows, { train: 0.8, validation: 0.1, test: 0.1 }, 8, "relation").test).not.toEqual(s.test)
  })

  it("the stage writes three files with counts per stratum and carries the sensitive flag", async () => {
    const out = await Effect.runPromise(runStageOnce(Datasets.split, { seed: 1, stratifyBy: "relation" }, { data: datasetIn(rows, true) }, tempDir()))
    expect(out.value.train).toMatchObject({ file: "train.jsonl", count: 80, sensitive: true })
    expect(out.value.test.byStratum).toEqual({ checks: 3, drugs: 1, symptoms: 6 })
    expect(lines(join(out.dir, "validation.jsonl"))).toHaveLength(10)
  })
})

describe("sample", () => {
  it("samples n rows proportionally per stratum, seeded", () => {
    const rows = pairs(100, (i) => (i < 75 ? "a" : "b"))
    const s = samplePairs(rows, 20, 3, "relation")
    expect(s).toHaveLength(20)
    expect(s.filter((r) => r.relation === "a")).toHaveLength(15)
    expect(samplePairs(rows, 20, 3, "relation")).toEqual(s)
  })
  it("the stage takes exactly one of n or fraction", async () => {
    const data = datasetIn(pairs(10, () => "x"))
    const ok = await Effect.runPromise(runStageOnce(Datasets.sample, { fraction: 0.5 }, { data }, tempDir()))
    expect(ok.value.count).toBe(5)
    const bad = await Effect.runPromise(Effect.either(runStageOnce(Datasets.sample, { n: 2, fraction: 0.5 }, { data }, tempDir())))
    expect(Either.isLeft(bad)).toBe(true)
  })
})

describe("merge", () => {
  it("concatenates, drops duplicate questions, oversamples on request, and ORs sensitivity", async () => {
    const a = pairs(3, () => "x", "kg")
    const b = [...pairs(2, () => "y", "rec"), { ...a[0]!, id: "dup", question: ` ${a[0]!.question}？` }]
    const out = await Effect.runPromise(
      runStageOnce(Datasets.merge, { repeat: { b: 2 } }, { a: datasetIn(a), b: datasetIn(b, true), c: undefined as never, d: undefined as never }, tempDir())
    )
    expect(out.value.duplicatesDropped).toBe(1)
    expect(out.value.count).toBe(3 + 2 * 2)
    expect(out.value.bySource).toEqual({ kg: 3, rec: 4 })
    expect(out.value.sensitive).toBe(true)
    const ids = lines(join(out.dir, "qa.jsonl")).map((r) => r.id)
    expect(new Set(ids).size).toBe(ids.length)
  })
})

describe("export", () => {
  const rows: Array<QaPair> = [
    { id: "1", question: "胆囊结石有哪些症状？", answer: "右上腹绞痛。", source: "kg", sensitive: false },
    { id: "2", question: "需要做什么检查？", answer: "腹部超声。", source: "kg", sensitive: false, history: [["我右上腹痛", "多久了？"]] }
  ]
  it("Alpaca JSON with a LLaMA-Factory dataset_info.json entry", async () => {
    const out = await Effect.runPromise(runStageOnce(Datasets.export, { format: "alpaca", name: "hb", system: "你是医生" }, { data: datasetIn(rows) }, tempDir()))
    const body = JSON.parse(readFileSync(join(out.dir, "hb.json"), "utf8"))
    expect(body[0]).toEqual({ instruction: "胆囊结石有哪些症状？", input: "", output: "右上腹绞痛。", system: "你是医生" })
    expect(body[1].history).toEqual([["我右上腹痛", "多久了？"]])
    const info = JSON.parse(readFileSync(join(out.dir, "dataset_info.json"), "utf8"))
    expect(info).toEqual({ hb: { file_name: "hb.json", columns: { prompt: "instruction", query: "input", response: "output", history: "history", system: "system" } } })
  })
  it("ShareGPT JSON with role tags", async () => {
    const out = await Effect.runPromise(runStageOnce(Datasets.export, { format: "sharegpt", name: "hb" }, { data: datasetIn(rows) }, tempDir()))
    const body = JSON.parse(readFileSync(join(out.dir, "hb.json"), "utf8"))
    expect(body[1].conversations.map((c: { from: string }) => c.from)).toEqual(["human", "gpt", "human", "gpt"])
    const info = JSON.parse(readFileSync(join(out.dir, "dataset_info.json"), "utf8"))
    expect(info.hb).toMatchObject({ formatting: "sharegpt", columns: { messages: "conversations" }, tags: { role_tag: "from", user_tag: "human" } })
  })
  it("ChatGLM ptuning prompt/response JSON Lines", async () => {
    const out = await Effect.runPromise(runStageOnce(Datasets.export, { format: "chatglm" }, { data: datasetIn(rows) }, tempDir()))
    expect(out.value).toMatchObject({ file: "zaoji_qa.jsonl", count: 2 })
    expect(lines(join(out.dir, "zaoji_qa.jsonl"))[1]).toEqual({ prompt: "需要做什么检查？", response: "腹部超声。", history: [["我右上腹痛", "多久了？"]] })
  })
})

describe("load", () => {
  it("reads QA, Alpaca or renamed layouts, giving ids by line", async () => {
    const dir = tempDir()
    writeFileSync(
      join(dir, "mixed.jsonl"),
      ['{"id":"x","question":"q1","answer":"a1"}', '{"instruction":"翻译","input":"你好","output":"hello"}', '{"问":"q3","答":"a3"}'].join("\n") + "\n"
    )
    const out = await Effect.runPromise(runStageOnce(Datasets.load, { source: "mixed.jsonl", fieldMap: { 问: "question", 答: "answer" }, label: "general" }, {}, dir))
    expect(out.value).toMatchObject({ count: 3, sensitive: false, byStratum: { general: 3 } })
    const rows = lines(join(out.dir, "qa.jsonl"))
    expect(rows.map((r) => [r.id, r.question, r.answer])).toEqual([
      ["x", "q1", "a1"],
      ["general-2", "翻译\n你好", "hello"],
      ["general-3", "q3", "a3"]
    ])
  })
  it("a row without an answer is reported by file:line and field", async () => {
    const dir = tempDir()
    writeFileSync(join(dir, "bad.jsonl"), '{"question":"q1","answer":"a1"}\n{"question":"q2"}\n')
    const r = await Effect.runPromise(Effect.either(runStageOnce(Datasets.load, { source: "bad.jsonl" }, {}, dir)))
    expect(Either.isLeft(r) && r.left.message).toContain('bad.jsonl:2 field "answer"')
  })
})

describe("pick", () => {
  it("makes one part of a split a dataset of its own, with the same rows and flags", async () => {
    const rows = pairs(20, () => "symptoms")
    const s = await Effect.runPromise(runStageOnce(Datasets.split, { seed: 3, stratifyBy: "none" }, { data: datasetIn(rows, true) }, tempDir()))
    for (const part of ["train", "test"] as const) {
      const out = await Effect.runPromise(runStageOnce(Datasets.pick, { part }, { split: artifactOf(s.value, s.dir) }, tempDir()))
      expect(out.value).toMatchObject({ file: `${part}.jsonl`, kind: "qa", count: s.value[part].count, sensitive: true })
      expect(lines(join(out.dir, out.value.file))).toEqual(lines(join(s.dir, s.value[part].file)))
    }
    const bad = await Effect.runPromise(Effect.either(runStageOnce(Datasets.pick, { part: "holdout" } as never, { split: artifactOf(s.value, s.dir) }, tempDir())))
    expect(Either.isLeft(bad)).toBe(true)
  })
})

describe("corpus", () => {
  it("cuts a text file at blank lines (or every line) and takes JSON Lines rows by text or string fields", async () => {
    const dir = tempDir()
    writeFileSync(join(dir, "c.txt"), "肝炎常见乏力。\n黄疸需要检查。\n\n胆囊炎多见右上腹痛。\n")
    const para = await Effect.runPromise(runStageOnce(Datasets.corpus, { source: "c.txt" }, {}, tempDir(), { baseDir: dir }))
    expect(lines(join(para.dir, para.value.file)).map((r) => r.text)).toEqual(["肝炎常见乏力。\n黄疸需要检查。", "胆囊炎多见右上腹痛。"])
    const byLine = await Effect.runPromise(runStageOnce(Datasets.corpus, { source: "c.txt", split: "line" }, {}, tempDir(), { baseDir: dir }))
    expect(byLine.value).toMatchObject({ kind: "text", count: 3, sensitive: false })
    writeFileSync(join(dir, "kg.jsonl"), JSON.stringify({ id: "k1", name: "胆囊结石", symptoms: ["右上腹绞痛", "恶心"] }) + "\n" + JSON.stringify({ text: "一段文字" }) + "\n")
    const rowsOut = await Effect.runPromise(runStageOnce(Datasets.corpus, { source: "kg.jsonl" }, {}, tempDir(), { baseDir: dir }))
    expect(lines(join(rowsOut.dir, rowsOut.value.file)).map((r) => r.text)).toEqual(["胆囊结石\n右上腹绞痛\n恶心", "一段文字"])
  })

  it("names file:line of a row that is not JSON, and refuses an empty corpus", async () => {
    const dir = tempDir()
    writeFileSync(join(dir, "bad.jsonl"), JSON.stringify({ text: "好" }) + "\n{oops\n")
    const e = await Effect.runPromise(Effect.flip(runStageOnce(Datasets.corpus, { source: "bad.jsonl" }, {}, tempDir(), { baseDir: dir })))
    expect(e._tag).toBe("InputError")
    expect((e as { location?: string }).location).toBe("bad.jsonl:2")
    writeFileSync(join(dir, "empty.txt"), "\n\n")
    const empty = await Effect.runPromise(Effect.flip(runStageOnce(Datasets.corpus, { source: "empty.txt" }, {}, tempDir(), { baseDir: dir })))
    expect(empty.message).toMatch(/no text/)
  })
})
