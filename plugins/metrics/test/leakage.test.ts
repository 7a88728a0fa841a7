/**
 * The leakage check and the model flags of `metrics.compare`, on real workflow runs (the engine,
 * the real dataset stages, a char-bigram trainer) in the hepatobiliary workflow's wiring, and the
 * item matching on its own.
 */
import { readFileSync, renameSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { checkLeakage, type ExamItem, leakageSentence, noEffectFlags, trainingLineage, UnitIndex, unitOf } from "../src/kit.js"
import { microDir, runMicro } from "./leakageWorkflow.js"

const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8"))

describe("leakage check in the hepatobiliary wiring (micro workflow, engine)", () => {
  it("the old wiring (stage-2 replay = all of kg-qa, which general-test was split from) fails, naming the set, the count and examples", async () => {
    const dir = microDir()
    const r = await runMicro("old", dir)
    expect(Exit.isFailure(r.exit)).toBe(true)
    expect(r.evalEvent?.status).toBe("failed")
    const msg = r.failure!
    expect(msg).toContain("evaluation data found in training data")
    // general-test's kg pairs are in stage 2's training data; stage 1 trained on the train part only
    expect(msg).toMatch(/general QA × stage2: \d+ of \d+ items/)
    expect(msg).not.toContain("× stage1")
    expect(msg).not.toContain("× base")
    expect(msg).toMatch(/kg-\d+[ab]: \\"[^"]+\\" — exact in specialty-data \(data of medglm-h\) qa\.jsonl:\d+/)
    // the figures are kept for the user
    const leak = readJson(msg.match(/all figures: (\S+leakage\.json)/)![1]!)
    const gq = leak.checks.find((c: any) => c.set === "general_qa" && c.model === "stage2")
    expect(gq.overlapping).toBeGreaterThan(0)
    expect(gq.overlapping).toBe(gq.exact)
    expect(gq.fraction).toBeCloseTo(gq.overlapping / gq.n, 12)
    // no other set or model overlaps
    expect(leak.checks.filter((c: any) => c.overlapping > 0).map((c: any) => `${c.set}×${c.model}`)).toEqual(["general_qa×stage2"])
  })

  it("the fixed wiring (replay from stage 1's training part) passes; the report and metrics.json say 0 overlap", async () => {
    const dir = microDir()
    const r = await runMicro("fixed", dir)
    expect(Exit.isSuccess(r.exit), r.failure).toBe(true)
    const metrics = readJson(join(r.evalDir!, "metrics.json"))
    expect(metrics.leakage.verdict).toBe("clean")
    expect(metrics.leakage.complete).toBe(true)
    expect(metrics.leakage.checks).toHaveLength(3 * 3)
    for (const c of metrics.leakage.checks) expect([c.overlapping, c.exact, c.fraction]).toEqual([0, 0, 0])
    // every training stage's data was found: stage 2 sees its own data, stage 1's and the base's
    const sources = (m: string) => metrics.leakage.models.find((x: any) => x.model === m).sources.map((s: any) => `${s.stage}:${s.input}>${s.trainedBy}`)
    expect(sources("base")).toEqual(["base-text:data>base"])
    expect(sources("stage1").sort()).toEqual(["base-text:data>base", "general-train:data>medglm-general"])
    expect(sources("stage2").sort()).toEqual(["base-text:data>base", "general-train:data>medglm-general", "specialty-data:data>medglm-h"])
    const md = readFileSync(join(r.evalDir!, "report.md"), "utf8")
    expect(md).toContain("- Evaluation data in training data: **none** — no item of exam (n=3), QA (n=3), general QA (n=")
    expect(md).toMatch(/\| general QA, n=\d+ \| 0 \(0\.0%\) \| 0 \(0\.0%\) \| 0 \(0\.0%\) \|/)
    const manifest = readJson(join(r.evalDir!, "manifest.json"))
    expect(manifest.output.leakage).toEqual({ verdict: "clean", complete: true, worstFraction: 0 })
  })

  it("an allowed fraction passes the old wiring and the report shows the overlap", async () => {
    const dir = microDir()
    const r = await runMicro("old", dir, ["eval.leakage.maxFraction=0.9"])
    expect(Exit.isSuccess(r.exit), r.failure).toBe(true)
    const metrics = readJson(join(r.evalDir!, "metrics.json"))
    expect(metrics.leakage.verdict).toBe("allowed")
    const gq = metrics.leakage.checks.find((c: any) => c.set === "general_qa" && c.model === "stage2")
    expect(gq.overlapping).toBeGreaterThan(0)
    expect(gq.examples.length).toBe(Math.min(3, gq.overlapping))
    const md = readFileSync(join(r.evalDir!, "report.md"), "utf8")
    expect(md).toContain("**within the allowance** (90.0%)")
    // the forgetting gate judged on those items says so
    expect(md).toContain(`— **caution**: judged on general QA items that stage2 (${gq.overlapping} of ${gq.n}) trained on`)
    expect(md).toContain(`| general QA, n=${gq.n} | 0 (0.0%) | 0 (0.0%) | ${gq.overlapping} (${(100 * gq.fraction).toFixed(1)}%, ${gq.exact} exact) |`)
    expect(md).toMatch(/- general QA × stage2: `a:kg-\d+[ab]` ".+ → .+" — exact in specialty-data \(data of medglm-h\) qa\.jsonl:\d+/)
    // a fraction below the measured one still fails
    const tight = await runMicro("old", microDir(), [`eval.leakage.maxFraction=${(gq.fraction / 2).toFixed(4)}`])
    expect(Exit.isFailure(tight.exit)).toBe(true)
    expect(tight.failure).toContain(`at most ${((100 * gq.fraction) / 2).toFixed(1)}% is allowed`)
  })

  it("flags a training stage that did not learn and a tune that changed nothing (no effect)", async () => {
    const dir = microDir()
    const r = await runMicro("fixed", dir, ["medglm-general.learning=not-learning", "medglm-h.epochs=0"])
    expect(Exit.isSuccess(r.exit), r.failure).toBe(true)
    const metrics = readJson(join(r.evalDir!, "metrics.json"))
    expect(metrics.flags.map((f: any) => [f.model, f.kind])).toEqual([
      ["stage1", "not-learning"],
      ["stage2", "no-effect"]
    ])
    expect(metrics.flags[1].message).toMatch(/^stage2: all \d+ predictions \(exam\.loglik, qa, general_qa\) equal those of stage1, the model it was trained from — tuning changed nothing measurable; option log-likelihoods equal too \(within 1e-6\)$/)
    // the unchanged model scores exactly like its input model
    expect(metrics.summary["qa.chatglm.rouge-l"].stage2).toBe(metrics.summary["qa.chatglm.rouge-l"].stage1)
    const md = readFileSync(join(r.evalDir!, "report.md"), "utf8")
    expect(md).toContain("**not-learning** — stage1 did not learn: the loss did not fall beyond noise: 6.18 → 6.18")
    expect(md).toContain("**no-effect** — stage2: all ")
    expect(readJson(join(r.evalDir!, "manifest.json")).output.flags).toEqual(metrics.flags)
    // a tune that trains is not flagged, and a learning verdict is no flag
    const trained = await runMicro("fixed", microDir(), ["medglm-general.learning=learning"])
    expect(readJson(join(trained.evalDir!, "metrics.json")).flags).toEqual([])
  })
})

describe("item matching", () => {
  const units = [
    { question: "胆囊炎有什么症状？", answer: "右上腹痛，发热。" },
    { id: "doc-1", text: "以下是题目：急性胰腺炎最常见的病因是 A. 酗酒 B. 胆道疾病 C. 高脂血症 D. 外伤 答案B" },
    { id: "doc-2", text: "Ｈ２Ｏ是水的化学式。 问：感冒了怎么办 答：多休息，多喝水" }
  ].map((r, i) => unitOf(r, i + 1)!)
  const ix = new UnitIndex(units)
  const qa = (question: string, answer: string) => ix.find({ kind: "qa", id: "x", question, answer })

  it("QA pairs: the same pair exactly, or after NFKC, case, white space and punctuation; never a different answer", () => {
    expect(qa("胆囊炎有什么症状？", "右上腹痛，发热。")).toEqual({ level: "exact", line: 1 })
    expect(qa("胆囊炎 有什么症状?", "右上腹痛、发热")).toEqual({ level: "normalised", line: 1 })
    expect(qa("胆囊炎有什么症状？", "右上腹痛。")).toBeUndefined()
    // a pair inside a text (a corpus document) overlaps when both question and answer are in it
    expect(qa("感冒了怎么办？", "多休息，多喝水。")).toEqual({ level: "normalised", line: 3, id: "doc-2" })
    expect(qa("感冒了怎么办", "多吃药")).toBeUndefined()
    expect(qa("h2o是什么", "水")).toBeUndefined()
  })

  it("exam questions: the stem and every option in one unit, in any layout", () => {
    const exam = (stem: string, options: ReadonlyArray<string>) => ix.find({ kind: "exam", id: "e", stem, options })
    expect(exam("急性胰腺炎最常见的病因是", ["酗酒", "胆道疾病", "高脂血症", "外伤"])).toEqual({ level: "exact", line: 2, id: "doc-1" })
    expect(exam("急性胰腺炎最常见的病因是？", ["酗酒", "胆道疾病", "高脂血症", "外伤"])).toEqual({ level: "normalised", line: 2, id: "doc-1" })
    expect(exam("急性胰腺炎最常见的病因是", ["酗酒", "胆道疾病", "高脂血症", "感染"])).toBeUndefined()
    expect(exam("ＨＯＷ", [])).toBeUndefined()
  })
})

describe("no-effect flag", () => {
  const item = (id: string, predicted: "A" | "B", lls: ReadonlyArray<number>): ExamItem => ({
    id,
    subject: "s",
    answer: "A",
    predicted,
    correct: predicted === "A",
    predictedNorm: predicted,
    correctNorm: predicted === "A",
    options: lls.map((ll, i) => [(["A", "B"] as const)[i]!, ll, 2] as const)
  })
  const qa = (id: string, prediction: string) => ({ id, question: "q", reference: "r", prediction })
  const models = [
    { name: "base", key: "k-base", ancestors: [] },
    { name: "stage1", key: "k-s1", ancestors: ["k-base"] },
    { name: "stage2", key: "k-s2", ancestors: ["k-s1", "k-base"] }
  ]

  it("fires when every answer and exam choice equals the input model's, saying how far the log-likelihoods moved", () => {
    const records = {
      base: { "exam.loglik": [item("e1", "A", [-1, -2]), item("e2", "B", [-3, -1])], qa: [qa("q1", "甲"), qa("q2", "乙")] },
      // the same choices with slightly moved log-likelihoods: what an untrained prefix gives
      stage1: { "exam.loglik": [item("e1", "A", [-1.01, -2]), item("e2", "B", [-3, -1.02])], qa: [qa("q1", "甲"), qa("q2", "乙")] },
      // one answer differs from stage 1's: the tune had an effect
      stage2: { "exam.loglik": [item("e1", "A", [-1.01, -2]), item("e2", "B", [-3, -1.02])], qa: [qa("q1", "甲"), qa("q2", "丙")] }
    }
    const flags = noEffectFlags(models, records)
    expect(flags.map((f) => [f.model, f.inputModel, f.items])).toEqual([["stage1", "base", 4]])
    expect(flags[0]!.message).toBe(
      "stage1: all 4 predictions (exam.loglik, qa) equal those of base, the model it was trained from — tuning changed nothing measurable; option log-likelihoods differ by at most 0.020 (relative)"
    )
    // a changed exam choice is an effect too; a model not trained from an earlier one is never compared
    expect(noEffectFlags(models, { ...records, stage1: { ...records.stage1, "exam.loglik": [item("e1", "B", [-3, -1]), item("e2", "B", [-3, -1])] } })).toEqual([])
    expect(noEffectFlags([models[0]!, { ...models[1]!, ancestors: [] }], records)).toEqual([])
  })
})

describe("training lineage", () => {
  it("says what it could not read, and treats an imported checkpoint as unknown training data", async () => {
    const dir = microDir()
    const r = await runMicro("fixed", dir)
    expect(Exit.isSuccess(r.exit), r.failure).toBe(true)
    const summary = Exit.isSuccess(r.exit) ? r.exit.value : undefined
    const artifact = (stage: string) => {
      const s = summary!.stages.find((x) => x.stage === stage)!
      return { dir: s.dir, key: s.key, value: readJson(join(s.dir, "manifest.json")).output }
    }
    const stage2 = artifact("medglm-h")
    const full = trainingLineage(stage2)
    expect(full.ancestors).toEqual([artifact("medglm-general").key, artifact("base").key])
    expect(full.unresolved).toEqual([])

    // an upstream artifact collected by hand: its data cannot be read, and the check says so
    const train = artifact("general-train")
    renameSync(train.dir, `${train.dir}.gone`)
    const partial = trainingLineage(stage2)
    expect(partial.unresolved).toEqual([{ stage: "general-train", key: train.key, reason: `input "data" of medglm-general: artifact ${train.key} is not in the store (collected?)` }])
    const result = await Effect.runPromise(
      checkLeakage([{ id: "qa", label: "QA", items: [{ kind: "qa", id: "x", question: "问", answer: "答" }] }], [{ name: "stage2", lineage: partial }], { maxFraction: 0, mode: "fail", examples: 3 })
    )
    expect([result.verdict, result.complete]).toEqual(["clean", false])
    expect(leakageSentence(result)).toContain("**incomplete**")
    renameSync(`${train.dir}.gone`, train.dir)

    // a base imported from a checkpoint: what it was trained on is not known here
    const base = artifact("base")
    const manifest = readJson(join(base.dir, "manifest.json"))
    writeFileSync(join(base.dir, "manifest.json"), JSON.stringify({ ...manifest, output: { ...manifest.output, method: "import" } }))
    const imported = trainingLineage(stage2)
    expect(imported.imported).toEqual([{ stage: "base", key: base.key }])
    expect(imported.sources.map((x) => x.stage).sort()).toEqual(["general-train", "specialty-data"])
  })
})

