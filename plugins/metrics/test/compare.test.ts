import { createHash } from "node:crypto"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Either, Exit, Schema } from "effect"
import { artifactOf, resolveWorkflow, runStageOnce, Stage, Workflow } from "@zaoji/core"
import { describe, expect, it } from "vitest"
import { compare, compareModels, qaMetrics } from "../src/kit.js"
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
    expect(md).toContain("| exam acc_norm (loglik), n=4 |")
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

  it("evaluates only the selected slice of a mixed exam file (select before limit)", async () => {
    const f = setup()
    const flagged = examRows.map((q, i) => ({ ...q, id: `sel-${i}`, is_hepatobiliary: i % 2 === 0 }))
    writeFileSync(join(f.data, "mixed.jsonl"), flagged.map((q) => JSON.stringify(q)).join("\n") + "\n")
    const res = await Effect.runPromise(
      runStageOnce(compare, { exam: { file: "mixed.jsonl", select: { hepatobiliary: true } }, bootstrap: { resamples: 50 } }, { base: f.base }, join(f.root, "sel"), { baseDir: f.data })
    )
    const wanted = flagged.filter((q) => q.is_hepatobiliary).length
    const metrics = JSON.parse(readFileSync(join(res.dir, "metrics.json"), "utf8"))
    expect(metrics.datasets.find((d: { role: string }) => d.role === "exam").rows).toBe(wanted)
    expect(wanted).toBeLessThan(flagged.length)
  })

  it("gates on a general QA metric in that metric's own scale, and refuses a gate on a set it does not evaluate", async () => {
    const f = setup()
    const two = compareModels(["tuned", "forgot"])
    // "tuned" has seen each question followed by its answer; "forgot" has not
    const tuned = bigramArtifact(join(f.root, "a-qa"), "tuned", qaRows.map((q) => q.question + q.answer), [])
    const res = await Effect.runPromise(
      runStageOnce(
        two,
        { generalQa: { file: "qa.jsonl" }, decoding: { maxNewTokens: 24 }, gate: { metric: "general_qa.chatglm.rouge-l", maxDrop: 2, mode: "flag" } },
        { tuned, forgot: f.base },
        join(f.root, "run-qa-gate"),
        { baseDir: f.data }
      )
    )
    const rl = res.value.summary["general_qa.chatglm.rouge-l"]!
    expect(rl["tuned"]! - rl["forgot"]!).toBeGreaterThan(2)
    expect(res.value.gate).toEqual({ passed: false, mode: "flag", regressed: ["forgot"] })

    const flip = (cfg: any) => Effect.runPromise(Effect.flip(runStageOnce(two, cfg, { tuned: f.stage1 }, join(f.root, "bad-gate"), { baseDir: f.data })))
    expect((await flip({ qa: { file: "qa.jsonl" }, gate: { metric: "general_qa.sacrebleu_zh" } })).message).toContain(
      'gate.metric: "general_qa.sacrebleu_zh" is a metric of the generalQa set, which is not configured'
    )
    expect((await flip({ generalQa: { file: "qa.jsonl" }, gate: { metric: "general_qa.bogus" } })).message).toMatch(/gate\.metric/)
  })

  it("rejects bad configurations with the field and what was expected", async () => {
    const f = setup()
    const run = (cfg: any, inputs: any = { base: f.base }) =>
      Effect.runPromise(Effect.flip(runStageOnce(compare, cfg, inputs, join(f.root, "bad"), { baseDir: f.data })))
    expect((await run({ exam: { file: "exam.jsonl" } }, {})).message).toMatch(/at least one model input/)
    expect((await run({})).message).toMatch(/at least one of exam, qa, general, generalQa, subjective/)
    expect((await run({ exam: { file: "missing.jsonl" } })).message).toMatch(/missing\.jsonl/)
    expect((await run({ exam: { file: "exam.jsonl", shots: 2 } })).message).toMatch(/no examples file/)
    expect((await run({ exam: { file: "exam.jsonl", methods: ["guess"] } }))._tag).toBe("InputError")
    expect((await run({ general: { file: "general.jsonl" }, gate: { reference: "nobody" } })).message).toMatch(/gate.reference: "nobody"/)
    expect((await run({ exam: { file: "exam.jsonl", select: { sources: ["nowhere"] } } })).message).toMatch(/no question matches select/)
    const bad = join(f.data, "bad.jsonl")
    writeFileSync(bad, JSON.stringify(examRows[0]) + "\n" + JSON.stringify({ ...examRows[1], answer: "Z" }) + "\n")
    const e = await run({ exam: { file: "bad.jsonl" } })
    expect(e.message).toContain("bad.jsonl")
    expect(e.message).toMatch(/2/)
  })
})

/** a QA dataset artifact as `datasets.pick` / `datasets.split` leave it: rows in a file relative to the artifact */
const qaDatasetArtifact = (dir: string, file: string, rows: ReadonlyArray<{ id: string; question: string; answer: string }>, key: string) => {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, file), rows.map((r) => JSON.stringify(r)).join("\n") + "\n")
  return artifactOf({ file, kind: "qa" as const, count: rows.length, sensitive: false, byStratum: {} }, dir, key)
}

const generalQaRows = [
  { id: "gq1", question: "一年有几个季节？", answer: "一年有四个季节。" },
  { id: "gq2", question: "水的化学式是什么？", answer: "水的化学式是H2O。" }
]

const readPredictions = (dir: string, file: string): Array<{ id: string; reference: string; prediction: string }> =>
  readFileSync(join(dir, "predictions", file), "utf8").trim().split("\n").map((l) => JSON.parse(l))

describe("metrics.compare with QA sets wired from upstream stages", () => {
  const heldOutRows = [...qaRows, { id: "q3", question: "乙肝怎么传播？", answer: "主要经血液传播。" }]
  const wiredSetup = () => {
    const f = setup()
    const heldOut = qaDatasetArtifact(join(f.root, "a-split"), "test.jsonl", heldOutRows, "key-split-test")
    const generalQa = qaDatasetArtifact(join(f.root, "a-general"), "general-test.jsonl", generalQaRows, "key-general-test")
    // a model that has read the questions with their answers, so its greedy replies overlap the references
    const tuned = bigramArtifact(join(f.root, "a-tuned"), "tuned", [...heldOutRows, ...generalQaRows].map((r) => r.question + r.answer), [])
    return { ...f, heldOut, generalQa, tuned, two: compareModels(["base", "tuned"]) }
  }

  it("scores heldOut as the qa set (qa.limit applies) and generalQa as its own set, each equal to qaMetrics on the predictions", async () => {
    const f = wiredSetup()
    const res = await Effect.runPromise(
      runStageOnce(f.two, { qa: { limit: 2 }, decoding: { maxNewTokens: 24 } }, { base: f.base, tuned: f.tuned, heldOut: f.heldOut, generalQa: f.generalQa }, join(f.root, "run-wired"), {
        baseDir: f.data
      })
    )
    const v = res.value
    for (const model of ["base", "tuned"]) {
      const qa = readPredictions(res.dir, `${model}.qa.jsonl`)
      const gq = readPredictions(res.dir, `${model}.general_qa.jsonl`)
      // the held-out rows (first two: qa.limit) and the general rows, with their references
      expect(qa.map((p) => [p.id, p.reference])).toEqual(heldOutRows.slice(0, 2).map((r) => [r.id, r.answer]))
      expect(gq.map((p) => [p.id, p.reference])).toEqual(generalQaRows.map((r) => [r.id, r.answer]))
      const dq = qaMetrics(qa.map((p) => p.prediction), qa.map((p) => p.reference))
      const dg = qaMetrics(gq.map((p) => p.prediction), gq.map((p) => p.reference))
      for (const k of ["rouge-1", "rouge-2", "rouge-l", "bleu-4"] as const) {
        expect(v.summary[`qa.chatglm.${k}`]![model]).toBe(dq.chatglm.emptyAsZero[k])
        expect(v.summary[`general_qa.chatglm.${k}`]![model]).toBe(dg.chatglm.emptyAsZero[k])
      }
      expect(v.summary["qa.sacrebleu_zh"]![model]).toBe(dq.sacrebleu.score)
      expect(v.summary["general_qa.sacrebleu_zh"]![model]).toBe(dg.sacrebleu.score)
      expect(v.summary["qa.rougeL_char"]![model]).toBe(dq.rougeLChar)
      expect(v.summary["general_qa.rougeL_char"]![model]).toBe(dg.rougeLChar)
    }
    // real overlap to compare (not zeros), and the two sets are scored apart
    for (const set of ["qa", "general_qa"]) expect(v.summary[`${set}.chatglm.rouge-l`]!["tuned"]!).toBeGreaterThan(v.summary[`${set}.chatglm.rouge-l`]!["base"]!)
    expect(v.summary["general_qa.chatglm.rouge-l"]!["tuned"]).not.toBe(v.summary["qa.chatglm.rouge-l"]!["tuned"])

    const metrics = JSON.parse(readFileSync(join(res.dir, "metrics.json"), "utf8"))
    const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex")
    expect(metrics.datasets).toEqual([
      { role: "qa", path: "test.jsonl", sha256: sha(join(f.heldOut.dir, "test.jsonl")), rows: 2, input: "heldOut", artifactKey: "key-split-test" },
      { role: "general QA", path: "general-test.jsonl", sha256: sha(join(f.generalQa.dir, "general-test.jsonl")), rows: 2, input: "generalQa", artifactKey: "key-general-test" }
    ])
    expect(metrics.summary).toEqual(v.summary)
    const md = readFileSync(join(res.dir, "report.md"), "utf8")
    // no answer is empty, so the two ChatGLM conventions agree: one row per metric, with its set size
    expect(md).toContain("| QA ROUGE-L (ChatGLM), n=2 |")
    expect(md).toContain("| general QA ROUGE-L (ChatGLM), n=2 |")
    expect(md).not.toContain("skip raising")
    expect(md).toContain("| general QA sacreBLEU zh, n=2 |")
    expect(md).toContain("- general QA: input `generalQa` (artifact `key-general-test`) `general-test.jsonl` — 2 rows, sha256 `")
    expect(md).toContain("**general QA**")
    expect(readFileSync(join(res.dir, "report.html"), "utf8")).toContain("general QA ROUGE-L char F1")
  })

  it("rejects a set given both as a file and as an input, and a QA config with neither", async () => {
    const f = wiredSetup()
    const run = (cfg: any, inputs: any) => Effect.runPromise(Effect.flip(runStageOnce(f.two, cfg, { base: f.base, ...inputs }, join(f.root, "bad-wired"), { baseDir: f.data })))
    const both = await run({ qa: { file: "qa.jsonl" } }, { heldOut: f.heldOut })
    expect(both._tag).toBe("InputError")
    expect(both.message).toMatch(/qa\.file \("qa\.jsonl"\) and the heldOut input are both given/)
    const bothGeneral = await run({ generalQa: { file: "qa.jsonl" } }, { generalQa: f.generalQa })
    expect(bothGeneral.message).toMatch(/generalQa\.file .* and the generalQa input are both given/)
    const neither = await run({ generalQa: { limit: 1 } }, {})
    expect(neither._tag).toBe("InputError")
    expect(neither.message).toMatch(/generalQa: expected a file \(generalQa\.file\) or a wired generalQa input/)
    const empty = qaDatasetArtifact(join(f.root, "a-empty"), "test.jsonl", [], "key-empty")
    expect((await run({}, { heldOut: empty })).message).toMatch(/inputs\.heldOut \(test\.jsonl\): no rows to evaluate/)
  })

  it("a model name cannot take a dataset input's name", () => {
    expect(() => compareModels(["base", "heldOut"])).toThrow(/heldOut is a dataset input/)
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
    const { lossCurves } = await import("../src/kit.js")
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

describe("metrics.compare configuration rules fail when the workflow is planned, before any file is read", () => {
  // a model stage and a QA dataset stage to wire; nothing here runs
  const model = Stage.make({ name: "test.model", version: "1", config: Schema.Struct({}), output: Schema.Unknown, inputs: Stage.inputs(), run: () => Effect.succeed({}) })
  const qaData = Stage.make({ name: "test.qa", version: "1", config: Schema.Struct({}), output: Schema.Unknown, inputs: Stage.inputs(), run: () => Effect.succeed({}) })
  const plan = (config: unknown, inputs: ReadonlyArray<"base" | "stage1" | "stage2" | "heldOut" | "generalQa"> = ["base"]) => {
    const baseDir = mkdtempSync(join(tmpdir(), "compare-plan-"))
    const wf = Workflow.make("plan", (w) => {
      const handles: Record<string, unknown> = {}
      for (const name of inputs) handles[name] = w.stage(`up-${name}`, name === "heldOut" || name === "generalQa" ? qaData : model, {})
      w.stage("eval", compare, config as any, handles as any)
    })
    const res = resolveWorkflow(wf, baseDir)
    if (Either.isRight(res)) return []
    // none of the named files exists: a rule reported beside "does not exist" was decided without reading any
    return res.left.issues.filter((i) => i.stage === "eval" && !/does not exist/.test(i.message)).map((i) => `${i.field}: ${i.message}`)
  }

  it("config alone: shots without examples, a gate on an unconfigured or unmeasured general exam, a subjective set nobody scores", () => {
    expect(plan({ exam: { file: "exam.jsonl", shots: 2 } })).toEqual([
      "exam.examples: shots is 2 but no examples file is given (k-shot examples come from a separate split)"
    ])
    expect(plan({ exam: { file: "exam.jsonl" }, gate: { metric: "acc" } })).toEqual([
      'gate.metric: "acc" is a metric of the general set, which is not configured (general.file)'
    ])
    expect(plan({ general: { file: "general.jsonl", methods: ["generate"] }, gate: { metric: "acc_norm" } })).toEqual([
      'gate.metric: "acc_norm" is measured by the general set\'s loglik method, which general.methods (generate) leaves out'
    ])
    expect(plan({ subjective: { file: "subjective.jsonl" } })).toEqual([
      "subjective: give a judge endpoint (subjective.judge) or human scores (subjective.humanScores) for every model"
    ])
  })

  it("model names: the gate reference and human scores must name model inputs of the stage", () => {
    expect(plan({ general: { file: "general.jsonl" }, gate: { reference: "nobody" } })).toEqual([
      'gate.reference: "nobody" is not a model input (model inputs: base, stage1, stage2)'
    ])
    expect(plan({ subjective: { file: "s.jsonl", humanScores: { base: "b.csv", someone: "x.csv" } } })).toEqual([
      'subjective.humanScores.someone: "someone" is not a model input (model inputs: base, stage1, stage2)'
    ])
  })

  it("config and wiring: at least one set, one source per QA set, a gate and human scores on wired models", () => {
    expect(plan({})).toEqual([": configure at least one of exam, qa, general, generalQa, subjective (or wire heldOut / generalQa)"])
    expect(plan({}, ["base", "heldOut"])).toEqual([])
    expect(plan({ qa: { file: "qa.jsonl" } }, ["base", "heldOut"])).toEqual([
      'qa.file: qa.file ("qa.jsonl") and the heldOut input are both given; a set comes from one of them: remove qa.file or leave heldOut unwired'
    ])
    expect(plan({ generalQa: { limit: 5 } })).toEqual(["generalQa: expected a file (generalQa.file) or a wired generalQa input, got neither"])
    expect(plan({ qa: { file: "qa.jsonl" }, gate: { metric: "general_qa.sacrebleu_zh" } })).toEqual([
      'gate.metric: "general_qa.sacrebleu_zh" is a metric of the generalQa set, which is not configured (generalQa.file or a wired generalQa input)'
    ])
    expect(plan({ gate: { metric: "general_qa.sacrebleu_zh" } }, ["base", "generalQa"])).toEqual([])
    expect(plan({ general: { file: "general.jsonl" }, gate: { reference: "stage2" } }, ["base", "stage1"])).toEqual([
      'gate.reference: "stage2" is not a wired model input (wired: base, stage1)'
    ])
    expect(plan({ subjective: { file: "s.jsonl", humanScores: { base: "b.csv" } } }, ["base", "stage1"])).toEqual([
      "subjective: give a judge endpoint or human scores for every model (no human scores for stage1)"
    ])
    expect(plan({ subjective: { file: "s.jsonl", humanScores: { stage2: "c.csv", base: "b.csv" } } }, ["base"])).toEqual([
      'subjective.humanScores: "stage2" is not a wired model input (wired: base)'
    ])
  })
})
