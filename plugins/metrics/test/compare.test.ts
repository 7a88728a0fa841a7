import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit } from "effect"
import { runStageOnce } from "@zaoji/core"
import { describe, expect, it } from "vitest"
import { compare, compareModels, qaMetrics } from "../src/index.js"
import { bigramArtifact, examRows, generalRows, plantedTexts, qaRows, writeDataSets } from "./compareFixtures.js"

const setup = () => {
  const root = mkdtempSync(join(tmpdir(), "compare-"))
  const data = join(root, "wf")
  writeDataSets(data)
  const general = plantedTexts(generalRows)
  const curve = (k: number) => Array.from({ length: 5 }, (_, i) => ({ step: (i + 1) * 10, loss: 3 - i * 0.3 * k }))
  // base knows the general facts; stage1 adds the exam facts; stage2 forgets the general facts
  const base = bigramArtifact(join(root, "a-base"), "base", [...general, "答案：B"], curve(1))
  const stage1 = bigramArtifact(join(root, "a-s1"), "stage1", [...general, ...plantedTexts(examRows), ...qaRows.map((q) => q.answer)], curve(1.5))
  const stage2 = bigramArtifact(join(root, "a-s2"), "stage2", [...plantedTexts(examRows), ...qaRows.map((q) => q.answer)], curve(2))
  return { root, data, base, stage1, stage2 }
}

const baseConfig = {
  title: "对比",
  exam: { file: "exam.jsonl", methods: ["loglik", "generate"] as const, batchSize: 3 },
  general: { file: "general.jsonl" },
  qa: { file: "qa.jsonl" },
  decoding: { maxNewTokens: 24 },
  bootstrap: { resamples: 200 }
}

describe("metrics.compare", () => {
  it("evaluates every model on the same sets and writes report.md, report.html, metrics.json", async () => {
    const f = setup()
    const res = await Effect.runPromise(
      runStageOnce(compare, { ...baseConfig, gate: { metric: "acc_norm", maxDrop: 0.1, mode: "flag" } }, { base: f.base, stage1: f.stage1, stage2: f.stage2 }, join(f.root, "run"), {
        baseDir: f.data
      })
    )
    const v = res.value
    expect(v.models).toEqual(["base", "stage1", "stage2"])
    // planted answers: stage1 and stage2 know the exam under length normalisation
    expect(v.summary["exam.loglik.acc_norm"]).toEqual({ base: expect.any(Number), stage1: 1, stage2: 1 })
    expect(v.summary["general.loglik.acc_norm"]!["stage1"]).toBe(1)
    expect(v.summary["general.loglik.acc_norm"]!["stage2"]!).toBeLessThan(1)
    // the gate flags stage2's forgetting but does not fail the stage
    expect(v.gate).toEqual({ passed: false, mode: "flag", regressed: ["stage2"] })

    // QA numbers equal the metric functions applied to the stored predictions
    const preds = readFileSync(join(res.dir, "predictions", "stage1.qa.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l))
    const direct = qaMetrics(preds.map((p) => p.prediction), preds.map((p) => p.reference))
    expect(v.summary["qa.chatglm.rouge-l"]!["stage1"]).toBe(direct.chatglm.emptyAsZero["rouge-l"])
    expect(v.summary["qa.sacrebleu_zh"]!["stage1"]).toBe(direct.sacrebleu.score)

    const md = readFileSync(join(res.dir, "report.md"), "utf8")
    expect(md).toContain("# 对比")
    expect(md).toContain("| exam acc_norm (loglik) |")
    expect(md).toContain("key `key-stage1`")
    expect(md).toMatch(/exam: `exam.jsonl` — 4 rows, sha256 `[0-9a-f]{64}`/)
    expect(md).toContain("decoding: greedy, max new tokens 24, seed 0")
    expect(md).toContain("**FLAGGED**")
    expect(md).toContain("**ROUGE-1/2/L (ChatGLM)**")
    expect(md).toContain("| clinical_knowledge | loglik |")

    const html = readFileSync(join(res.dir, "report.html"), "utf8")
    expect(html).not.toMatch(/<script|<link|src=/)
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(8)
    expect(html).toContain("<polyline")
    expect(html).toContain("stage2 lossCurve")

    const metrics = JSON.parse(readFileSync(join(res.dir, "metrics.json"), "utf8"))
    expect(metrics.models.map((m: any) => m.lineage.stage)).toEqual(["base", "stage1", "stage2"])
    expect(metrics.datasets.map((d: any) => d.role)).toEqual(["exam", "general", "qa"])
    expect(metrics.summary).toEqual(v.summary)
    expect(res.ctx.metrics["exam.loglik.acc"]).toEqual(v.summary["exam.loglik.acc"])
  })

  it("fails in gate mode 'fail' and keeps the report readable in the checkpoint folder", async () => {
    const f = setup()
    const dir = join(f.root, "run-fail")
    const exit = await Effect.runPromiseExit(
      runStageOnce(compare, { ...baseConfig, gate: { reference: "stage1", metric: "acc_norm", maxDrop: 0.05, mode: "fail" } }, { base: f.base, stage1: f.stage1, stage2: f.stage2 }, dir, {
        baseDir: f.data
      })
    )
    expect(Exit.isFailure(exit)).toBe(true)
    const err = JSON.stringify(exit)
    expect(err).toContain("regression gate failed")
    expect(err).toContain("stage2: general acc_norm")
    expect(existsSync(join(dir, "checkpoint", "failed-report", "report.md"))).toBe(true)
    expect(existsSync(join(dir, "out", "report.md"))).toBe(false)
  })

  it("passes the gate when no later model loses more than the margin", async () => {
    const f = setup()
    const two = compareModels(["base", "tuned"])
    const res = await Effect.runPromise(
      runStageOnce(two, { general: { file: "general.jsonl" }, gate: { metric: "acc_norm", maxDrop: 0, mode: "fail" } }, { base: f.base, tuned: f.stage1 }, join(f.root, "run-pass"), {
        baseDir: f.data
      })
    )
    expect(res.value.gate).toEqual({ passed: true, mode: "fail", regressed: [] })
  })

  it("uses human scores from CSV for the score rate", async () => {
    const f = setup()
    writeFileSync(join(f.data, "scores-base.csv"), "id,score\ns1,5\ns2,5\n")
    writeFileSync(join(f.data, "scores-s1.csv"), "id,score,rater\ns1,10,r1\ns1,8,r2\ns2,7,r1\n")
    const two = compareModels(["base", "stage1"])
    const res = await Effect.runPromise(
      runStageOnce(two, { subjective: { file: "subjective.jsonl", humanScores: { base: "scores-base.csv", stage1: "scores-s1.csv" } } }, { base: f.base, stage1: f.stage1 }, join(f.root, "run-h"), {
        baseDir: f.data
      })
    )
    expect(res.value.summary["subjective.score_rate"]).toEqual({ base: 0.5, stage1: (9 + 14) / 30 })
  })

  it("rejects bad configurations with the field and what was expected", async () => {
    const f = setup()
    const run = (cfg: any, inputs: any = { base: f.base }) =>
      Effect.runPromise(Effect.flip(runStageOnce(compare, cfg, inputs, join(f.root, "bad"), { baseDir: f.data })))
    expect((await run({ exam: { file: "exam.jsonl" } }, {})).message).toMatch(/at least one model input/)
    expect((await run({})).message).toMatch(/at least one of exam, qa, general, subjective/)
    expect((await run({ exam: { file: "missing.jsonl" } })).message).toMatch(/missing\.jsonl/)
    expect((await run({ exam: { file: "exam.jsonl", shots: 2 } })).message).toMatch(/no examples file/)
    expect((await run({ exam: { file: "exam.jsonl", methods: ["guess"] } }))._tag).toBe("InputError")
    expect((await run({ general: { file: "general.jsonl" }, gate: { reference: "nobody" } })).message).toMatch(/gate.reference: "nobody"/)
    const bad = join(f.data, "bad.jsonl")
    writeFileSync(bad, JSON.stringify(examRows[0]) + "\n" + JSON.stringify({ ...examRows[1], answer: "Z" }) + "\n")
    const e = await run({ exam: { file: "bad.jsonl" } })
    expect(e.message).toContain("bad.jsonl")
    expect(e.message).toMatch(/2/)
  })
})

describe("metrics.compare with an LLM judge and resume", () => {
  it("judges generated answers for the score rate, and a re-run answers everything from the checkpoint", async () => {
    const { startLlmServer } = await import("@zaoji/testing")
    const server = await startLlmServer({ handler: () => JSON.stringify({ score: 6, reason: "部分正确" }) })
    try {
      const f = setup()
      const two = compareModels(["base", "stage1"])
      const cfg = {
        exam: { file: "exam.jsonl" },
        subjective: { file: "subjective.jsonl", judge: { baseURL: server.baseURL, model: "judge", baseDelayMs: 1 } },
        decoding: { maxNewTokens: 12 }
      }
      const dir = join(f.root, "run-judge")
      const first = await Effect.runPromise(runStageOnce(two, cfg, { base: f.base, stage1: f.stage1 }, dir, { baseDir: f.data }))
      expect(first.value.summary["subjective.score_rate"]).toEqual({ base: 0.6, stage1: 0.6 })
      const judged = ["base", "stage1"].flatMap((m) =>
        readFileSync(join(first.dir, "predictions", `${m}.subjective.jsonl`), "utf8").trim().split("\n").map((l) => JSON.parse(l))
      )
      expect(judged.map((j) => [j.id, j.score, j.points])).toEqual([
        ["s1", 6, 10],
        ["s2", 6, 20],
        ["s1", 6, 10],
        ["s2", 6, 20]
      ])
      // verdicts are cached per (question, answer): identical answers of two models are judged once
      const distinct = new Set(judged.map((j) => `${j.id}\u0000${j.answer}`)).size
      expect(server.chatRequests().length).toBe(distinct)
      // same stage key and checkpoint: nothing is asked again and the numbers are identical
      const second = await Effect.runPromise(runStageOnce(two, cfg, { base: f.base, stage1: f.stage1 }, dir, { baseDir: f.data }))
      expect(server.chatRequests().length).toBe(distinct)
      expect(second.value.summary).toEqual(first.value.summary)
    } finally {
      await server.close()
    }
  })
})

describe("training-loss curves for the report", () => {
  it("come from the manifest's metrics, else from the output value (one level down)", async () => {
    const { lossCurves } = await import("../src/index.js")
    const { artifactOf } = await import("@zaoji/core")
    const { mkdirSync } = await import("node:fs")
    const dir = mkdtempSync(join(tmpdir(), "curves-"))
    const value = { model: "model", training: { lossCurve: [{ step: 1, loss: 2 }], evalCurve: [], steps: 1 } }
    expect(lossCurves(artifactOf(value, dir))).toEqual([{ name: "training.lossCurve", points: [{ step: 1, loss: 2 }] }])
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, "manifest.json"), JSON.stringify({ metrics: { loss_curve: [{ step: 5, loss: 1.5 }], final_train_loss: 1.5 } }))
    expect(lossCurves(artifactOf(value, dir))).toEqual([{ name: "loss_curve", points: [{ step: 5, loss: 1.5 }] }])
  })
})
