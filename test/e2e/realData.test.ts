/**
 * The hepatobiliary workflow on the real data of the reference folder (knowledge graph, clinical
 * records, exam development set) through --set, in the micro size. Skips where that folder is absent.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { hasShared, sharedPath, sharedSkipReason } from "@zaoji/testing"
import { artifactDir, explain, readManifest, runHepatobiliary, stageKeys, tempStore } from "../support/hepatobiliary.js"

describe.skipIf(!hasShared)(`hepatobiliary workflow on the real data (${hasShared ? "reference folder present" : sharedSkipReason})`, () => {
  it("runs in the micro size and reports every metric for the three models", async () => {
    const store = tempStore("real-data")
    const kg = sharedPath("data", "kg", "medical_kg_hepatobiliary.jsonl")
    const records = sharedPath("data", "records", "yidu_s4k_hepatobiliary.jsonl")
    const exam = sharedPath("data", "exam", "dev.jsonl")
    const r = await runHepatobiliary(store, {
      set: [
        `kg.source=${kg}`,
        `records.source=${records}`,
        // the department's own records (see the data set's README), not liver metastases of other cancers
        "records.categoryField=hb_category",
        'records.categories=["primary","comorbid_major"]',
        "records.department=肝胆外科",
        `eval.exam.file=${exam}`,
        "eval.exam.limit=6"
      ]
    })
    expect(r.code, explain(r)).toBe(0)
    const keys = stageKeys(r)

    // the real files were read, not the sample data
    expect(readManifest(store, keys.kg!).output.count).toBe(fs.readFileSync(kg, "utf8").trim().split("\n").length)
    const rec = readManifest(store, keys.records!).output
    expect(rec.recordsIn).toBeGreaterThan(100)
    expect(rec.count).toBeGreaterThan(50)

    const evalDir = artifactDir(store, keys.eval!)
    for (const f of ["report.md", "report.html"]) expect(fs.existsSync(path.join(evalDir, f)), f).toBe(true)
    const metrics = JSON.parse(fs.readFileSync(path.join(evalDir, "metrics.json"), "utf8"))
    expect(metrics.datasets).toEqual(expect.arrayContaining([expect.objectContaining({ role: "exam", rows: 6 })]))
    const names = ["exam.loglik.acc", "exam.loglik.acc_norm", "qa.chatglm.rouge-l", "qa.chatglm.bleu-4", "qa.sacrebleu_zh", "general_qa.chatglm.rouge-l", "general_qa.chatglm.bleu-4", "general_qa.sacrebleu_zh"]
    for (const name of names) {
      for (const model of ["base", "stage1", "stage2"]) expect(Number.isFinite(metrics.summary[name]?.[model]), `${name} ${model}`).toBe(true)
    }
    const md = fs.readFileSync(path.join(evalDir, "report.md"), "utf8")
    expect(md).toMatch(/\| exam acc \(loglik\), n=6 \| \d\.\d{4}/)
  })
})
