/**
 * De-identification measured, not asserted: the synthetic adversarial corpus (test/adversarial)
 * goes through records.process in both strictness modes. Zero planted identifiers may reach any
 * output; the masker's own recall per kind, the false-positive rate on clean sentences and the yield
 * are printed (the figures in the plugin README come from this test).
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Schema } from "effect"
import { beforeAll, describe, expect, it } from "vitest"
import { runStageOnce } from "@zaoji/core"
import { ClinicalRecord } from "@zaoji/data"
import { defaultTerms, deidentify, makeScrubber, makeTermRewriter, maskTexts, Records, residualScan, structure } from "../src/kit.js"
import { type PlantKind, PlantKinds, cleanSentences, makeCorpus } from "./adversarial/corpus.js"
import { heldOut } from "./adversarial/heldOut.js"

const corpus = makeCorpus()
const plants = corpus.flatMap((c) => c.plants)
const OUTPUTS = ["qa.jsonl", "records.clean.jsonl", "rejected.jsonl", "audit.jsonl", "quality.json"]
const digitsOnly = (s: string) => s.replace(/\D/g, "")

type Run = Awaited<ReturnType<typeof runStage>>
const runStage = (file: string, strictness: "mask" | "reject") =>
  Effect.runPromise(runStageOnce(Records.process, { source: file, deid: { strictness } }, {}, mkdtempSync(join(tmpdir(), "zaoji-adv-"))))

/** planted secrets found in an artifact's files (file → secrets) */
const leaks = (dir: string): Array<string> => {
  const found: Array<string> = []
  for (const f of readdirSync(dir).filter((x) => OUTPUTS.includes(x))) {
    const text = readFileSync(join(dir, f), "utf8")
    for (const p of plants) {
      const d = digitsOnly(p.secret)
      if (text.includes(p.secret) || (d.length >= 7 && text.includes(d))) found.push(`${f}: ${p.kind} ${process.env.ZAOJI_SHOW_LEAKS ? p.secret : ""}`.trim())
    }
  }
  return found
}

const tools = { deid: { enabled: true }, scrub: makeScrubber(), terms: makeTermRewriter(defaultTerms), qa: {} }

describe("de-identification on the adversarial corpus", () => {
  let reject: Run
  let mask: Run
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), "zaoji-adv-src-"))
    const file = join(dir, "adversarial.jsonl")
    writeFileSync(file, corpus.map((c) => JSON.stringify(c.record)).join("\n") + "\n")
    reject = await runStage(file, "reject")
    mask = await runStage(file, "mask")
  }, 120_000)

  it("plants at least 300 identifiers, every kind in several forms", () => {
    expect(plants.length).toBeGreaterThanOrEqual(300)
    for (const k of PlantKinds) expect(plants.filter((p) => p.kind === k).length, k).toBeGreaterThanOrEqual(10)
  })

  it("leaks none of them into any output, in either strictness", () => {
    expect([...new Set(leaks(reject.dir))]).toEqual([])
    expect([...new Set(leaks(mask.dir))]).toEqual([])
    for (const run of [reject, mask]) expect(readdirSync(run.dir).filter((f) => OUTPUTS.includes(f)).sort()).toEqual([...OUTPUTS].sort())
  })

  it("keeps the yield: rejecting everything cannot pass", () => {
    const yieldOf = (r: Run) => r.value.count / corpus.length
    // every corpus record has a complaint, findings, a diagnosis and treatment: each makes a pair
    // unless its question repeats an earlier one
    expect(mask.value.count + (mask.value.rejectedByReason.duplicate ?? 0)).toBe(corpus.length)
    expect(yieldOf(mask)).toBeGreaterThanOrEqual(0.95)
    expect(yieldOf(reject)).toBeGreaterThanOrEqual(0.9)
    const qa = readFileSync(join(reject.dir, "qa.jsonl"), "utf8")
    // clinical content stays; exact measurements do not
    expect(qa).toMatch(/胆囊结石|肝癌|胰腺炎/)
    expect(qa).toMatch(/葛根汤/)
    expect(qa).not.toMatch(/\d\s*(?:mg|g|ml|mmol|μmol|U\/L|ng\/ml|cm|mmHg|%|℃|次\/分)/)
  })

  it("reports masked-by-kind, residual hits and privacy rejections", () => {
    const q = JSON.parse(readFileSync(join(reject.dir, "quality.json"), "utf8"))
    expect(q.privacy.strictness).toBe("reject")
    expect(q.privacy.maskedByKind.name).toBeGreaterThan(0)
    expect(q.privacy.rejectedForPrivacy).toBe(q.rejectedByReason["residual-identifier"] ?? 0)
    expect(reject.value.privacy.maskedByKind).toEqual(q.privacy.maskedByKind)
    const qm = JSON.parse(readFileSync(join(mask.dir, "quality.json"), "utf8"))
    expect(qm.privacy.rejectedForPrivacy).toBe(0)
  })

  it("measures the masker's recall per kind and its false-positive rate on clean sentences", () => {
    // recall of the masking rules alone (before the residual scan catches what they miss)
    const caught: Record<string, [number, number]> = {}
    for (const c of corpus) {
      const r = structure(Schema.decodeUnknownSync(ClinicalRecord)(c.record))
      const masked = maskTexts(Object.values(r.sections), tools, {}, {}).join("\n")
      for (const p of c.plants) {
        const e = (caught[p.kind] ??= [0, 0])
        e[1]++
        if (!masked.includes(p.secret)) e[0]++
      }
    }
    const falsePositives = cleanSentences.filter((s) => deidentify(s, {}) !== s || residualScan(maskTexts([s], tools, {}, {})[0]!).length > 0)
    const recall = Object.fromEntries(PlantKinds.map((k) => [k, caught[k]![0] / caught[k]![1]]))
    const total = Object.values(caught).reduce((a, [c, n]) => [a[0]! + c, a[1]! + n], [0, 0])
    const lines = [
      `adversarial corpus: ${corpus.length} records, ${plants.length} planted identifiers; ${cleanSentences.length} clean sentences`,
      ...PlantKinds.map((k: PlantKind) => `  recall ${k.padEnd(15)} ${(recall[k]! * 100).toFixed(1).padStart(5)}%  (${caught[k]![0]}/${caught[k]![1]})`),
      `  recall overall         ${((total[0]! / total[1]!) * 100).toFixed(1)}%  (${total[0]}/${total[1]})`,
      `  false positives on clean sentences: ${falsePositives.length}/${cleanSentences.length} (${((falsePositives.length / cleanSentences.length) * 100).toFixed(1)}%)`,
      `  leaks after the residual scan: ${leaks(reject.dir).length} (reject), ${leaks(mask.dir).length} (mask)`,
      `  yield: ${(reject.value.count / corpus.length).toFixed(2)} pairs/record (reject, ${reject.value.privacy.rejectedForPrivacy} rejected for privacy), ${(mask.value.count / corpus.length).toFixed(2)} (mask)`,
      `  residual hits: ${JSON.stringify(reject.value.privacy.residualByKind)}`
    ]
    // eslint-disable-next-line no-console
    console.log(lines.join("\n"))
    if (falsePositives.length) console.log("false positives:", falsePositives.map((s) => `${s} → ${deidentify(s, {})}`))
    expect(total[0]! / total[1]!).toBeGreaterThanOrEqual(0.95)
    for (const k of PlantKinds) expect(recall[k], k).toBeGreaterThanOrEqual(0.85)
    expect(falsePositives.length / cleanSentences.length).toBeLessThanOrEqual(0.03)
  })

  it("fails closed on what the rules miss: an unlabelled number is rejected, or masked in mask mode", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zaoji-adv-miss-"))
    const rec = { id: "miss-1", sections: { 主诉: "右上腹痛3天", 体格检查: "墨菲征阳性，随访编码 8812345 已登记", 诊断: "胆囊结石", 用药: "熊去氧胆酸" } }
    writeFileSync(join(dir, "miss.jsonl"), JSON.stringify(rec) + "\n")
    const rejected = await runStage(join(dir, "miss.jsonl"), "reject")
    expect(rejected.value).toMatchObject({ count: 0, rejectedByReason: { "residual-identifier": 1 }, privacy: { rejectedForPrivacy: 1, residualByKind: { digits: 1 } } })
    expect(JSON.parse(readFileSync(join(rejected.dir, "rejected.jsonl"), "utf8"))).toMatchObject({ id: "miss-1", line: 1, reason: "residual-identifier" })
    const masked = await runStage(join(dir, "miss.jsonl"), "mask")
    expect(masked.value.count).toBe(1)
    expect(readFileSync(join(masked.dir, "qa.jsonl"), "utf8")).toContain("随访编码 [已屏蔽] 已登记")
    for (const run of [rejected, masked])
      for (const f of OUTPUTS) expect(readFileSync(join(run.dir, f), "utf8"), f).not.toContain("8812345")
  })

  it("makes a pair of every clean record (no clean record is rejected for privacy)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zaoji-adv-clean-"))
    const records = []
    for (let i = 0; i + 2 < cleanSentences.length; i += 3)
      records.push({ id: `clean-${i}`, sections: { 主诉: "右上腹痛3天", 现病史: cleanSentences[i], 体格检查: cleanSentences[i + 1], 诊断: "胆囊结石", 治疗经过: cleanSentences[i + 2] } })
    writeFileSync(join(dir, "clean.jsonl"), records.map((r) => JSON.stringify(r)).join("\n") + "\n")
    const out = await runStage(join(dir, "clean.jsonl"), "reject")
    expect(out.value.privacy.rejectedForPrivacy).toBe(0)
    expect(out.value.count).toBe(records.length)
  })
})

describe("de-identification on forms written after the rules (held out)", () => {
  it("reports recall per kind and what the residual scan still catches", () => {
    const byKind: Record<string, [number, number]> = {}
    const missed: Array<string> = []
    let leaked = 0
    for (const [sentence, secrets] of heldOut) {
      const masked = maskTexts([sentence], tools, {}, {})[0]!
      const failClosedOut = residualScan(masked).length > 0 ? "(rejected)" : masked
      for (const p of secrets) {
        const e = (byKind[p.kind] ??= [0, 0])
        e[1]++
        if (!masked.includes(p.secret)) e[0]++
        else missed.push(`${p.kind}: ${sentence} → ${masked}`)
        if (failClosedOut.includes(p.secret)) leaked++
      }
    }
    const total = Object.values(byKind).reduce((a, [c, n]) => [a[0]! + c, a[1]! + n], [0, 0])
    // eslint-disable-next-line no-console
    console.log(
      [
        `held-out forms: ${heldOut.length} sentences`,
        ...Object.entries(byKind).map(([k, [c, n]]) => `  recall ${k.padEnd(15)} ${c}/${n}`),
        `  recall overall ${total[0]}/${total[1]} (${((100 * total[0]!) / total[1]!).toFixed(1)}%); after the residual scan (reject): ${leaked} leaked`,
        ...missed.map((m) => `  missed ${m}`)
      ].join("\n")
    )
    expect(total[0]! / total[1]!).toBeGreaterThanOrEqual(0.8)
  })
})
