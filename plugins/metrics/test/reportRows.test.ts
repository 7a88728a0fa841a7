/**
 * The report's rows: QA bootstrap intervals, one row per ChatGLM metric when the two
 * empty-prediction conventions agree (both where they differ), set sizes, the headline.
 */
import { describe, expect, it } from "vitest"
import { bootstrapIntervals, displayRows, headlineRows, markdownTable, metricRows, qaMetrics, sacrebleuZhCorpus } from "../src/kit.js"

const refs = ["首选腹部B超检查。", "定期复查肝功能和腹部B超。", "主要经血液传播。", "胆囊切除术后注意低脂饮食。"]
const preds = ["腹部B超检查。", "复查肝功能。", "经血液传播。", "低脂饮食。"]
const boot = { resamples: 400, seed: 7 }

describe("QA bootstrap intervals", () => {
  it("are seeded, bracket the means, and recompute sacreBLEU from resampled pairs", () => {
    const a = qaMetrics(preds, refs, boot)
    expect(qaMetrics(preds, refs, boot).ci).toEqual(a.ci)
    expect(qaMetrics(preds, refs, { ...boot, seed: 8 }).ci).not.toEqual(a.ci)
    const ci = a.ci!
    for (const [id, value] of [
      ["chatglm.rouge-l", a.chatglm.emptyAsZero["rouge-l"]],
      ["chatglm.bleu-4", a.chatglm.emptyAsZero["bleu-4"]],
      ["rougeL_char", a.rougeLChar]
    ] as const) {
      expect(ci[id]!.low, id).toBeLessThanOrEqual(value)
      expect(ci[id]!.high, id).toBeGreaterThanOrEqual(value)
      expect(ci[id]!.high, id).toBeGreaterThan(ci[id]!.low)
    }
    // sacreBLEU is a corpus score: the interval is of corpus scores over resampled pairs, which
    // for one pair repeated is that pair's corpus score, not a mean of sentence scores
    const one = qaMetrics([preds[0]!, preds[0]!], [refs[0]!, refs[0]!], boot)
    expect(one.ci!.sacrebleu_zh).toEqual({ low: one.sacrebleu.score, high: one.sacrebleu.score })
    expect(one.sacrebleu.score).toBeCloseTo(sacrebleuZhCorpus([preds[0]!], [refs[0]!]).score, 10)
    // no intervals without a bootstrap; NaN-free otherwise
    expect(qaMetrics(preds, refs).ci).toBeUndefined()
    for (const v of Object.values(ci)) expect(Number.isFinite(v!.low) && Number.isFinite(v!.high)).toBe(true)
  })

  it("bootstrapIntervals pairs its statistics on the same resamples and skips undefined ones", () => {
    const xs = [1, 2, 3, 4, 5]
    const r = bootstrapIntervals(xs.length, { mean: (idx) => Array.from(idx, (i) => xs[i]!).reduce((s, v) => s + v, 0) / idx.length, twice: (idx) => (2 * Array.from(idx, (i) => xs[i]!).reduce((s, v) => s + v, 0)) / idx.length }, { resamples: 300, seed: 3 })
    expect(r.twice.low).toBeCloseTo(2 * r.mean.low, 12)
    expect(r.twice.high).toBeCloseTo(2 * r.mean.high, 12)
    const none = bootstrapIntervals(0, { m: () => 1 })
    expect(Number.isNaN(none.m.low)).toBe(true)
  })
})

describe("report rows", () => {
  const model = (name: string, p: ReadonlyArray<string>) => ({ name, scores: { qa: qaMetrics(p, refs, boot) } })

  it("one row per ChatGLM metric when the conventions agree, both where an empty answer makes them differ; n in the label", () => {
    const agree = displayRows(metricRows([model("a", preds), model("b", preds.map((p) => p + "。"))]))
    expect(agree.map((r) => r.label)).toEqual([
      "QA ROUGE-1 (ChatGLM)",
      "QA ROUGE-2 (ChatGLM)",
      "QA ROUGE-L (ChatGLM)",
      "QA BLEU-4 (ChatGLM)",
      "QA sacreBLEU zh",
      "QA ROUGE-L char F1"
    ])
    const withEmpty = [model("a", preds), model("b", ["", ...preds.slice(1)])]
    const rows = displayRows(metricRows(withEmpty))
    expect(rows.map((r) => r.id)).toContain("qa.chatglm.rouge-l")
    expect(rows.map((r) => r.id)).toContain("qa.chatglm_skip.rouge-l")
    const table = markdownTable(["a", "b"], rows).join("\n")
    expect(table).toContain("| QA ROUGE-L (ChatGLM, empty as 0), n=4 |")
    // skip raising: model b is scored on 3 pairs, so each cell says its n
    expect(table).toMatch(/\| QA ROUGE-L \(ChatGLM, skip raising\) \| [\d.]+ \[[\d.]+, [\d.]+\] \(n=4\) \| [\d.]+ \[[\d.]+, [\d.]+\] \(n=3\) \|/)
  })

  it("the headline picks the paper's figures in order", () => {
    const rows = metricRows([{ scores: { qa: qaMetrics(preds, refs, boot), generalQa: qaMetrics(preds, refs, boot) } }])
    expect(headlineRows(rows).map((r) => [r.id, r.label])).toEqual([
      ["qa.chatglm.rouge-l", "held-out specialty QA ROUGE-L (ChatGLM)"],
      ["qa.chatglm.bleu-4", "held-out specialty QA BLEU-4 (ChatGLM)"],
      ["general_qa.chatglm.rouge-l", "held-out general QA ROUGE-L (ChatGLM)"]
    ])
  })
})
