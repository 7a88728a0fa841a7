import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { InputError } from "@zaoji/core"
import { makeBlindKit, writeBlindKit, labelOf, type ModelConversation } from "../src/human/blindKit.js"
import { kitFingerprint, openRatingsStore } from "../src/human/ratingsStore.js"
import { unblindKit } from "../src/human/unblind.js"
import { humanReportMarkdown, writeHumanReport } from "../src/human/humanReport.js"

const dirs: Array<string> = []
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "zaoji-human-"))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const QUESTIONS = ["胆囊结石有哪些症状？", "乙肝患者饮食要注意什么？", "肝功能检查包括哪些项目？", "急性胰腺炎如何处理？"]
const MODELS = ["model-base", "model-stage1", "model-stage2"]
// answer texts name no model, like real ones
const answersOf = (model: string) => QUESTIONS.map((_, i) => `回答${MODELS.indexOf(model) * 10 + i}`)
const ANSWERS = Object.fromEntries(MODELS.map((m) => [m, answersOf(m)]))

// per rater, per model, scores in question order; expected means below are computed by hand
const SCORES: Record<string, Record<string, Array<number>>> = {
  alice: { "model-base": [2, 3, 4, 3], "model-stage1": [5, 6, 5, 6], "model-stage2": [8, 9, 7, 8] },
  bob: { "model-base": [3, 3, 5, 2], "model-stage1": [6, 6, 4, 5], "model-stage2": [9, 8, 8, 9] }
}

const conversation = (scriptId: string, model: string): ModelConversation => ({
  scriptId,
  model,
  turns: [
    { user: "我右上腹痛。", reply: `${scriptId}-${model}-1` },
    { user: "需要做什么检查？", reply: `${scriptId}-${model}-2` }
  ]
})

describe("blind kit", () => {
  it("shuffles per question with a seed and keeps the mapping out of what raters see", () => {
    const kit = makeBlindKit({ questions: QUESTIONS, answers: ANSWERS, seed: 7, title: "肝胆" })
    expect(makeBlindKit({ questions: QUESTIONS, answers: ANSWERS, seed: 7, title: "肝胆" })).toEqual(kit)
    expect(kit.kit.questions.map((q) => q.id)).toEqual(["q1", "q2", "q3", "q4"])
    for (const q of kit.kit.questions) {
      expect(q.answers.map((a) => a.label)).toEqual(["A", "B", "C"])
      // every label points to the model whose answer text sits under it
      const qi = QUESTIONS.indexOf(q.question)
      for (const a of q.answers) expect(ANSWERS[kit.mapping.questions[q.id]![a.label]!]![qi]).toBe(a.text)
    }
    // the order differs between questions (not one global permutation) and between seeds
    const orders = kit.kit.questions.map((q) => MODELS.map((m) => Object.entries(kit.mapping.questions[q.id]!).find(([, v]) => v === m)![0]).join(""))
    expect(new Set(orders).size).toBeGreaterThan(1)
    const other = makeBlindKit({ questions: QUESTIONS, answers: ANSWERS, seed: 8 })
    expect(other.mapping.questions).not.toEqual(kit.mapping.questions)

    const root = tempDir()
    const files = writeBlindKit(join(root, "kit"), kit)
    const kitText = readFileSync(files.kitFile, "utf8")
    for (const m of MODELS) expect(kitText).not.toContain(m)
    expect(files.mappingFile).toBe(join(root, "mapping.json"))
    expect(readdirSync(join(root, "kit"))).toEqual(["kit.json"])
    expect(JSON.parse(readFileSync(files.mappingFile, "utf8")).questions).toEqual(kit.mapping.questions)
  })

  it("rejects mismatched answers and duplicate ids with the field named", () => {
    const bad = () => makeBlindKit({ questions: QUESTIONS, answers: { a: ["x"], b: answersOf("model-base") }, seed: 1 })
    expect(bad).toThrow(InputError)
    expect(bad).toThrow(/model "a" has 1 answers, expected one per question \(4\)/)
    expect(() => makeBlindKit({ questions: [{ id: "x", question: "1" }, { id: "x", question: "2" }], answers: { a: ["1", "2"] }, seed: 1 })).toThrow(
      /duplicate question id "x" at questions\[1\]/
    )
    expect(() => makeBlindKit({ questions: [], answers: {}, seed: 1 })).toThrow(/no models/)
  })

  it("labels beyond Z continue with two letters", () => {
    expect([0, 1, 25, 26, 27, 51, 52].map(labelOf)).toEqual(["A", "B", "Z", "AA", "AB", "AZ", "BA"])
  })
})

describe("ratings store, unblinding and aggregation", () => {
  const makeRatedKit = () => {
    const root = tempDir()
    const kitDir = join(root, "kit")
    const conversations = ["d1", "d2"].flatMap((s) => ["model-base", "model-stage2"].map((m) => conversation(s, m)))
    const kit = makeBlindKit({ questions: QUESTIONS, answers: ANSWERS, conversations, seed: 42, title: "肝胆盲评" })
    writeBlindKit(kitDir, kit)
    const store = openRatingsStore(join(kitDir, "ratings.sqlite"), kitFingerprint(readFileSync(join(kitDir, "kit.json"), "utf8")))
    for (const [rater, byModel] of Object.entries(SCORES)) {
      kit.kit.questions.forEach((q, qi) => {
        for (const a of q.answers) {
          const model = kit.mapping.questions[q.id]![a.label]!
          store.saveAnswerRating({ rater, questionId: q.id, label: a.label, score: byModel[model]![qi]!, comment: "" })
        }
      })
    }
    // a comment-only entry does not count as a score
    store.saveAnswerRating({ rater: "carol", questionId: "q1", label: "A", score: null, comment: "看不懂" })
    // dialogue: alice rates every reply; base gets (3,2,4) then (4,3,5); stage2 gets (5,5,4) then (4,5,5)
    for (const d of kit.kit.dialogues) {
      const model = kit.mapping.dialogues[d.id]!
      const [r0, r1] = model === "model-base" ? [[3, 2, 4], [4, 3, 5]] : [[5, 5, 4], [4, 5, 5]]
      ;[r0!, r1!].forEach(([accuracy, doctorValue, patientSuitability], turn) =>
        store.saveReplyRating({ rater: "alice", dialogueId: d.id, turn, accuracy: accuracy!, doctorValue: doctorValue!, patientSuitability: patientSuitability!, comment: "" })
      )
    }
    return { root, kitDir, kit, store }
  }

  it("gives the per-model means, CIs and agreement of known ratings", () => {
    const { root, kitDir, store } = makeRatedKit()
    store.close()
    const report = unblindKit({ kitDir, resamples: 1000, seed: 5 })
    const byModel = Object.fromEntries(report.blind.perModel.map((m) => [m.model, m]))
    expect(byModel["model-base"]!.mean).toBeCloseTo(25 / 8, 12)
    expect(byModel["model-stage1"]!.mean).toBeCloseTo(43 / 8, 12)
    expect(byModel["model-stage2"]!.mean).toBeCloseTo(66 / 8, 12)
    for (const m of report.blind.perModel) {
      expect(m.n).toBe(8)
      expect(m.questions).toBe(4)
      expect(m.ci95![0]).toBeLessThanOrEqual(m.mean!)
      expect(m.ci95![1]).toBeGreaterThanOrEqual(m.mean!)
    }
    // the CIs of the worst and best model do not overlap with these clearly separated scores
    expect(byModel["model-base"]!.ci95![1]).toBeLessThan(byModel["model-stage2"]!.ci95![0])
    // pairwise: stage2 − base per (rater, question): alice 6,6,3,5 and bob 6,5,3,7 → mean 41/8, all higher
    const p = report.blind.pairwise.find((x) => x.a === "model-base" && x.b === "model-stage2") ?? report.blind.pairwise.find((x) => x.a === "model-stage2" && x.b === "model-base")!
    const sign = p.a === "model-stage2" ? 1 : -1
    expect(p.mean! * sign).toBeCloseTo(41 / 8, 12)
    expect(p.n).toBe(8)
    expect(sign > 0 ? [p.wins, p.ties, p.losses] : [p.losses, p.ties, p.wins]).toEqual([8, 0, 0])
    expect(report.blind.pairwise).toHaveLength(3)
    const s1b = report.blind.pairwise.find((x) => [x.a, x.b].includes("model-stage1") && [x.a, x.b].includes("model-base"))!
    // stage1 − base: alice 3,3,1,3 and bob 3,3,−1,3 → mean 18/8; one loss (bob, q3)
    const s1sign = s1b.a === "model-stage1" ? 1 : -1
    expect(s1b.mean! * s1sign).toBeCloseTo(18 / 8, 12)
    expect(s1sign > 0 ? s1b.losses : s1b.wins).toBe(1)
    const alice = report.blind.perRater.find((r) => r.rater === "alice" && r.model === "model-stage2")!
    expect(alice.mean).toBeCloseTo(8, 12)
    expect(report.raters).toEqual(["alice", "bob"])

    // agreement: the 12 answers scored by both raters; check alpha and ICC against a direct computation
    const a = report.blind.agreement
    expect(a.raters).toBe(2)
    expect(a.pairableUnits).toBe(12)
    expect(a.completeUnits).toBe(12)
    const pairs: Array<[number, number]> = MODELS.flatMap((m) => SCORES.alice![m]!.map((s, i) => [s, SCORES.bob![m]![i]!] as [number, number]))
    const all = pairs.flat()
    const sq = (xs: Array<number>) => 2 * (xs.length * xs.reduce((s, x) => s + x * x, 0) - xs.reduce((s, x) => s + x, 0) ** 2)
    const dO = pairs.reduce((s, [x, y]) => s + 2 * (x - y) ** 2, 0) / all.length
    const dE = sq(all) / (all.length * (all.length - 1))
    expect(a.krippendorffAlphaInterval!).toBeCloseTo(1 - dO / dE, 12)
    expect(a.krippendorffAlphaInterval!).toBeGreaterThan(0.8)
    expect(a.icc21!).toBeGreaterThan(0.8)

    // dialogue: accuracy base (3+4+3+4)/4 = 3.5, stage2 4.5; overall base = mean(3,4,3,4) of reply means
    const dm = Object.fromEntries(report.dialogue.perModel.map((m) => [m.model, m]))
    expect(dm["model-base"]!.accuracy.mean).toBeCloseTo(3.5, 12)
    expect(dm["model-base"]!.doctorValue.mean).toBeCloseTo(2.5, 12)
    expect(dm["model-base"]!.patientSuitability.mean).toBeCloseTo(4.5, 12)
    expect(dm["model-base"]!.overall.mean).toBeCloseTo(3.5, 12)
    expect(dm["model-stage2"]!.accuracy.mean).toBeCloseTo(4.5, 12)
    expect(dm["model-stage2"]!.overall.mean).toBeCloseTo((14 / 3 + 14 / 3) / 2, 12)
    expect(dm["model-stage2"]!.conversations).toBe(2)
    expect(dm["model-stage2"]!.ratedReplies).toBe(4)
    expect(report.dialogue.perRater).toHaveLength(2)
    expect(report.dialogue.agreement.accuracy.raters).toBe(1)
    expect(report.dialogue.agreement.accuracy.krippendorffAlphaInterval).toBeNull()

    const out = writeHumanReport(join(root, "report"), report)
    expect(JSON.parse(readFileSync(out.json, "utf8")).blind.perModel).toHaveLength(3)
    const md = readFileSync(out.markdown, "utf8")
    expect(md).toContain("| model-stage2 | 8.25 |")
    expect(md).toContain("Krippendorff's alpha (interval)")
    expect(md).toContain("Pairwise")
    expect(md).toContain("Value to doctors")
    expect(humanReportMarkdown(report)).toBe(md)
  })

  it("replaces a rating when the rater changes it, and refuses bad scores and another kit's database", () => {
    const { kitDir, kit, store } = makeRatedKit()
    const q = kit.kit.questions[0]!
    store.saveAnswerRating({ rater: "alice", questionId: q.id, label: "A", score: 10, comment: "很好" })
    const mine = store.answerRatings("alice").filter((r) => r.questionId === q.id && r.label === "A")
    expect(mine).toEqual([{ rater: "alice", questionId: q.id, label: "A", score: 10, comment: "很好" }])
    expect(() => store.saveAnswerRating({ rater: "alice", questionId: q.id, label: "A", score: 11, comment: "" })).toThrow(/score: expected an integer from 0 to 10, got 11/)
    expect(() => store.saveAnswerRating({ rater: "alice", questionId: q.id, label: "A", score: 2.5, comment: "" })).toThrow(InputError)
    expect(() => store.saveReplyRating({ rater: "alice", dialogueId: "d1-A", turn: 0, accuracy: 0, doctorValue: 1, patientSuitability: 1, comment: "" })).toThrow(
      /accuracy: expected an integer from 1 to 5/
    )
    store.close()
    // kit.json edited after rating began: the ratings no longer belong to it
    writeFileSync(join(kitDir, "kit.json"), readFileSync(join(kitDir, "kit.json"), "utf8").replace("肝胆盲评", "other"))
    expect(() => unblindKit({ kitDir })).toThrow(/belong to a different kit/)
  })

  it("reports bad kit files with the file, line and what was expected", () => {
    const root = tempDir()
    const kitDir = join(root, "kit")
    expect(() => unblindKit({ kitDir })).toThrow(/blind kit \(kit\.json\) not found/)
    writeBlindKit(kitDir, makeBlindKit({ questions: QUESTIONS, answers: ANSWERS, seed: 1 }))
    writeFileSync(join(root, "mapping.json"), '{\n  "format": "zaoji-human-kit-mapping",\n  "version": 1,\n  oops\n}')
    expect(() => unblindKit({ kitDir })).toThrow(/mapping\.json:4: kit mapping \(mapping\.json\) is not valid JSON/)
    writeFileSync(join(root, "mapping.json"), JSON.stringify({ format: "zaoji-human-kit-mapping", version: 1, seed: 1, models: [], questions: {} }))
    expect(() => unblindKit({ kitDir })).toThrow(/not a valid kit mapping[\s\S]*dialogues/)
    // no ratings yet: an empty report, not an error
    writeBlindKit(kitDir, makeBlindKit({ questions: QUESTIONS, answers: ANSWERS, seed: 1 }))
    const empty = unblindKit({ kitDir })
    expect(empty.blind.perModel.every((m) => m.n === 0 && m.mean === null)).toBe(true)
    expect(existsSync(join(kitDir, "ratings.sqlite"))).toBe(false)
  })
})
