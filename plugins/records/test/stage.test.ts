import { mkdtempSync, readFileSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Either } from "effect"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { runStageOnce } from "@zaoji/core"
import { type LlmServer, hasShared, repoRoot, sharedPath, startLlmServer, sharedSuiteTitle } from "@zaoji/testing"
import { Records } from "../src/kit.js"

const tempDir = () => mkdtempSync(join(tmpdir(), "zaoji-records-"))
const sample = join(repoRoot, "workflows", "data", "records.jsonl")
const lines = (p: string) => readFileSync(p, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l))

describe("records.process on the shipped sample records", () => {
  let out: Awaited<ReturnType<typeof run>>
  const run = () => Effect.runPromise(runStageOnce(Records.process, { source: sample }, {}, tempDir()))
  beforeAll(async () => {
    out = await run()
  })

  it("makes one sensitive pair per usable record and rejects the others with a reason", () => {
    const source = lines(sample)
    expect(out.value.recordsIn).toBe(source.length)
    expect(out.value.count + out.value.rejected).toBe(source.length)
    expect(out.value.rejectedByReason).toEqual({ "no-findings": 1, "no-diagnosis": 1 })
    expect(out.value.sensitive).toBe(true)
    const qa = lines(join(out.dir, "qa.jsonl"))
    expect(qa.every((p) => p.sensitive === true && p.source === "records")).toBe(true)
    const rejected = lines(join(out.dir, "rejected.jsonl"))
    expect(rejected.map((r) => r.reason).sort()).toEqual(["no-diagnosis", "no-findings"])
    expect(rejected[0]).toHaveProperty("line")
  })

  it("leaves no identifier, exact date or exact number of the source in what it writes", () => {
    const src = readFileSync(sample, "utf8")
    const ids = [...src.matchAll(/身份证号(\d{17}[\dX])/g)].map((m) => m[1]!)
    const phones = [...src.matchAll(/联系电话(\d{11})/g)].map((m) => m[1]!)
    const names = [...src.matchAll(/患者([\u4e00-\u9fa5]{3})，[男女]/g)].map((m) => m[1]!)
    const admissions = [...src.matchAll(/住院号：(ZY\d+)/g)].map((m) => m[1]!)
    expect(ids.length + phones.length + names.length + admissions.length).toBe(4 * lines(sample).length)
    for (const f of ["qa.jsonl", "records.clean.jsonl", "audit.jsonl", "quality.json", "rejected.jsonl"]) {
      const text = readFileSync(join(out.dir, f), "utf8")
      for (const secret of [...ids, ...phones, ...names, ...admissions]) expect(text, `${f} contains ${secret}`).not.toContain(secret)
      expect(text).not.toMatch(/20\d\d[-年.]\d{1,2}/)
      expect(text).not.toMatch(/\d(mg|ml|cm)/)
    }
    const qa = readFileSync(join(out.dir, "qa.jsonl"), "utf8")
    expect(qa).toMatch(/ALT(升高|正常)/)
    expect(qa).not.toContain("ivgtt")
  })

  it("audits replacements by kind, and reports counts and lengths", () => {
    const source = lines(sample)
    const audit = lines(join(out.dir, "audit.jsonl"))
    expect(audit).toHaveLength(source.length)
    expect(Object.keys(audit[0].replacements).sort()).toEqual(["address", "date", "hospital", "id_card", "name", "phone", "record_number"])
    expect(Object.values(audit[0].replacements).every((v) => typeof v === "number")).toBe(true)
    const q = JSON.parse(readFileSync(join(out.dir, "quality.json"), "utf8"))
    const text = source.filter((r) => typeof r.text === "string").length
    expect(text).toBeGreaterThan(0)
    expect(q).toMatchObject({ recordsIn: source.length, pairsOut: out.value.count, rejected: 2, layouts: { sections: source.length - text, text } })
    expect(q.replacementsByKind.id_card).toBe(source.length)
    expect(q.lengths.question.count).toBe(out.value.count)
    expect(q.lengths.question.min).toBeLessThanOrEqual(q.lengths.question.median)
    expect(q.scrubbedByKind.lab).toBeGreaterThan(0)
  })

  it("is deterministic", async () => {
    const again = await run()
    expect(readFileSync(join(again.dir, "qa.jsonl"), "utf8")).toBe(readFileSync(join(out.dir, "qa.jsonl"), "utf8"))
  })
})

describe("records.process input errors", () => {
  it("names file:line and field of a bad record and fails past the error ratio", async () => {
    const dir = tempDir()
    writeFileSync(join(dir, "r.jsonl"), '{"id":"a","sections":{"主诉":"腹痛"}}\n{"id":"b"}\n{"id":"c","sections":"x"}\n')
    const r = await Effect.runPromise(Effect.either(runStageOnce(Records.process, { source: "r.jsonl" }, {}, dir)))
    expect(Either.isLeft(r)).toBe(true)
    if (Either.isLeft(r)) {
      expect(r.left._tag).toBe("InputError")
      expect(r.left.message).toContain("r.jsonl:2")
      expect(r.left.message).toContain('r.jsonl:3 field "sections"')
    }
  })
})

describe("privacy guard: LLM rewriting of record-derived pairs", () => {
  let server: LlmServer
  beforeAll(async () => {
    process.env.ZAOJI_TEST_RECORDS_KEY = "sk-records-test"
    server = await startLlmServer({
      handler: (req) => {
        const text = req.messages.at(-1)!.content
        const q = /问题：(.*)/.exec(text)![1]!
        return JSON.stringify({ question: `请教医生：${q}`, answer: "（改写）" + /回答：(.*)/.exec(text)![1]! })
      }
    })
  })
  afterAll(() => server.close())
  beforeEach(() => server.reset())
  const cfg = (baseURL: string) => ({ source: sample, llm: { baseURL, model: "m", apiKeyEnv: "ZAOJI_TEST_RECORDS_KEY", concurrency: 2, baseDelayMs: 5 } })
  // the guard takes 0.0.0.0 for what it is, not loopback; Linux still connects it to the local server,
  // so it stands in for a remote endpoint without leaving the machine
  const remoteLike = () => `http://0.0.0.0:${server.port}/v1`

  it("sends record-derived text to a loopback endpoint", async () => {
    const out = await Effect.runPromise(runStageOnce(Records.process, cfg(server.baseURL), {}, tempDir()))
    expect(server.chatRequests()).toHaveLength(out.value.count)
    const qa = lines(join(out.dir, "qa.jsonl"))
    expect(qa.every((p) => p.question.startsWith("请教医生：") && p.sensitive)).toBe(true)
  })

  it("refuses a non-loopback endpoint the workflow does not allow, before sending anything", async () => {
    const r = await Effect.runPromise(Effect.either(runStageOnce(Records.process, cfg(remoteLike()), {}, tempDir())))
    expect(Either.isLeft(r)).toBe(true)
    if (Either.isLeft(r)) expect(r.left.message).toMatch(/refusing to send record-derived \(sensitive\) text/)
    expect(server.requests).toHaveLength(0)
  })

  it("sends to that endpoint once the workflow allows it", async () => {
    const out = await Effect.runPromise(runStageOnce(Records.process, cfg(remoteLike()), {}, tempDir(), { allowedEndpoints: [remoteLike()] }))
    expect(server.chatRequests()).toHaveLength(out.value.count)
  })
})

describe.skipIf(!hasShared)(sharedSuiteTitle("records.process on the real annotated narrative records"), () => {
  it("selects by category, builds pairs from the narrative and scrubs dates", async () => {
    const out = await Effect.runPromise(
      runStageOnce(
        Records.process,
        { source: sharedPath("data", "records", "yidu_s4k_hepatobiliary.jsonl"), categoryField: "hb_category", categories: ["primary", "comorbid_major"], department: "肝胆外科" },
        {},
        tempDir()
      )
    )
    expect(out.value.recordsIn).toBe(143)
    expect(out.value.count).toBeGreaterThan(80)
    expect(out.value.replacementsByKind.date).toBeGreaterThan(100)
    const qa = readFileSync(join(out.dir, "qa.jsonl"), "utf8")
    expect(qa).not.toMatch(/20[01]\d-\d\d-\d\d/)
    // the real records also write dates without a year ("2月22日我院肿瘤标志物")
    expect(qa).not.toMatch(/\d{1,2}\s*月\s*\d{1,2}\s*[日号]/)
    const q = JSON.parse(readFileSync(join(out.dir, "quality.json"), "utf8"))
    expect(q.layouts).toEqual({ narrative: 143 })
  })
})

describe("records.process on a plain-text file", () => {
  it("reads records separated by --- lines", async () => {
    const dir = tempDir()
    writeFileSync(join(dir, "ward.txt"), "ID：T-1\n主诉：右上腹痛3天\n体格检查：墨菲征阳性\n诊断：急性胆囊炎\n用药：头孢曲松 2g ivgtt qd\n---\n主诉：黄疸1周\n诊断：胰腺癌\n")
    const out = await Effect.runPromise(runStageOnce(Records.process, { source: "ward.txt", department: "肝胆外科" }, {}, dir))
    expect(out.value).toMatchObject({ recordsIn: 2, count: 1, rejectedByReason: { "no-findings": 1 } })
    expect(lines(join(out.dir, "qa.jsonl"))[0]).toMatchObject({ id: "records:T-1", answer: "考虑诊断为急性胆囊炎。用药：头孢曲松 静脉滴注 每日一次。" })
    expect(lines(join(out.dir, "rejected.jsonl"))[0]).toMatchObject({ id: "ward-2", line: 7 })
  })
})
