/**
 * Property tests of the record pipeline on arbitrary records: `records.process` either writes its
 * outputs or fails with an `InputError` naming the records file, never with another error; every
 * record ends as a pair or a rejection; and the text passes (de-identification, date relativising,
 * numeric scrubbing) finish quickly on adversarial text, where a backtracking regex would hang.
 * Seeded and time-bounded.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Cause, Effect, Exit, Option } from "effect"
import fc from "fast-check"
import { afterAll, describe, expect, it } from "vitest"
import { runStageOnce } from "@zaoji/core"
import { deidentify, makeScrubber, Records, relativizeDates, type DeidCounts } from "../src/kit.js"

const root = mkdtempSync(join(tmpdir(), "zaoji-records-prop-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0

/** identifiers among the fragments below that no output may contain, in any company */
const planted = ["13812345678", "110101199003071234", "test@example.com", "ZY20230001", "62751234", "88812345"]

/** fragments in the forms records write: identifiers, dates, measurements, clinical words, noise */
const fragment = fc.oneof(
  fc.constantFrom(
    "患者张三，男，45岁。", "主治医师王五", "护士赵敏", "由李医生主刀", "家住浙江省杭州市文一西路100号", "联系电话13812345678",
    "电话0571 88812345", "(010)62751234", "身份证号110101199003071234", "住院号：ZY20230001", "病案号A12345",
    "2023-03-07", "2023年3月7日", "23年3月7日", "二〇二三年三月十日", "3/12/2023", "20230315", "2023.03.15", "12月25日",
    "ALT 120U/L", "血肌酐 120μmol/L", "血压 150/90mmHg", "肿块大小约3.2cm×2.5cm", "年龄95岁", "test@example.com",
    "http://10.0.0.1/x", "右上腹疼痛3天", "胆囊结石", "腹腔镜胆囊切除术", "头孢曲松", "葛根", "B超示胆囊增大",
    "主诉：", "现病史：", "诊断：", "，", "。", "\n", " "
  ),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: fc.constantFrom(..."0123456789年月日号-/.:：（）()患者医生张王李区路室 \n"), maxLength: 24 })
)
const text = fc.array(fragment, { maxLength: 14 }).map((parts) => parts.join(""))
const list = fc.array(fc.oneof(fragment, fc.constantFrom("胆囊炎", "肝硬化", "胆总管结石")), { maxLength: 3 })

/** clinical text with identifiers planted in it */
const clinical = (words: ReadonlyArray<string>) =>
  fc.array(fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...words) }, { weight: 1, arbitrary: fragment }), { minLength: 1, maxLength: 5 }).map((p) => p.join(""))
/** a record shaped like a real one (complaint, history, diagnosis, surgery, drugs), so that pairs get built */
const plausible = fc.record({
  id: fc.string({ maxLength: 6 }),
  department: fc.constant("肝胆外科"),
  sections: fc.record({
    主诉: clinical(["右上腹疼痛3天", "反复上腹痛1月", "皮肤黄染1周", "，伴发热"]),
    现病史: clinical(["患者3天前无明显诱因出现右上腹疼痛", "B超示胆囊增大", "伴恶心呕吐", "ALT 120U/L"]),
    体格检查: clinical(["右上腹压痛", "Murphy征阳性", "巩膜黄染", "T 38.5℃"]),
    辅助检查: clinical(["B超示胆囊结石", "CT示胆总管扩张", "血常规白细胞升高", "ALT 120U/L"]),
    入院诊断: clinical(["胆囊结石伴急性胆囊炎", "肝硬化", "胆总管结石"]),
    手术: clinical(["腹腔镜胆囊切除术", "ERCP取石术"]),
    出院医嘱: clinical(["头孢曲松抗感染", "熊去氧胆酸口服", "定期复查"])
  })
})

const record = fc.oneof(
  plausible,
  plausible,
  fc.record(
    {
      id: fc.string({ maxLength: 6 }),
      department: fc.oneof(fc.constant("肝胆外科"), fragment),
      sections: fc.dictionary(fc.constantFrom("主诉", "现病史", "既往史", "体格检查", "辅助检查", "诊断", "出院诊断", "手术", "治疗经过", "出院医嘱", "其他"), text, { maxKeys: 6 })
    },
    { requiredKeys: ["id", "sections"] }
  ),
  fc.record({ id: fc.string({ maxLength: 6 }), text: text.map((t) => `主诉：${t}`) }),
  fc.record(
    { id: fc.string({ maxLength: 6 }), text: text.map((t) => t || "x"), diagnoses: list, surgeries: list, drugs: list, lab_tests: list, imaging_exams: list },
    { requiredKeys: ["id", "text"] }
  )
)
/** a line of the records file: mostly records, sometimes a row that is not one */
const line = fc.oneof(
  { weight: 8, arbitrary: record.map((r) => JSON.stringify(r)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }).map((s) => s.replace(/\n/g, " ")) }
)

const jsonl = (file: string): Array<Record<string, unknown>> =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, unknown>)

describe("records.process on arbitrary records files", () => {
  it("writes pairs and rejections that account for every record, or fails with an InputError naming the file", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(line, { minLength: 1, maxLength: 8 }), fc.constantFrom("mask", "reject"), async (lines, strictness) => {
        const dir = join(root, `r${n++}`)
        const source = join(root, `records${n}.jsonl`)
        writeFileSync(source, lines.join("\n"))
        const exit = await Effect.runPromiseExit(runStageOnce(Records.process, { source, maxErrorRatio: 1, deid: { strictness } }, {}, mkdtempSync(dir)))
        if (Exit.isFailure(exit)) {
          const failure = Cause.failureOption(exit.cause)
          if (Option.isNone(failure)) throw new Error(`records.process died: ${Cause.pretty(exit.cause)}`)
          expect(failure.value._tag).toBe("InputError")
          expect(`${failure.value.message} ${(failure.value as { location?: string }).location ?? ""}`).toContain(source)
          return
        }
        const out = exit.value
        expect(out.value.count + out.value.rejected).toBe(out.value.recordsIn)
        const qa = jsonl(join(out.dir, "qa.jsonl"))
        expect(qa).toHaveLength(out.value.count)
        for (const p of qa) {
          expect(typeof p.question === "string" && p.question.trim() !== "").toBe(true)
          expect(typeof p.answer === "string" && p.answer.trim() !== "").toBe(true)
          expect(p.sensitive).toBe(true)
        }
        for (const r of jsonl(join(out.dir, "rejected.jsonl"))) expect(typeof r.reason).toBe("string")
        // whatever surrounds them, these planted identifiers leave in no output
        for (const f of ["qa.jsonl", "records.clean.jsonl", "rejected.jsonl", "audit.jsonl", "quality.json"]) {
          const written = readFileSync(join(out.dir, f), "utf8")
          for (const secret of planted) expect(written, `${f} holds ${secret}`).not.toContain(secret)
        }
      }),
      { seed: 20261204, numRuns: 40, interruptAfterTimeLimit: 8_000 }
    )
  })
})

describe("the text passes on adversarial text", () => {
  // long runs of what the patterns look for: digits, separators, date and name material
  const adversarial = fc
    .tuple(fc.constantFrom("1", "12", "1-", "2023年", "3月", "0571 ", "张", "患者张", "医生", "区", "号", "/", ".", "：", "1.5", "×", "mg"), fc.integer({ min: 200, max: 2500 }), fc.string({ maxLength: 3 }))
    .map(([unit, times, tail]) => unit.repeat(times) + tail)

  it("records.process takes a record of long adversarial sections in its stride", async () => {
    await fc.assert(
      fc.asyncProperty(adversarial, fc.constantFrom("主诉", "现病史", "辅助检查", "入院诊断", "出院医嘱"), async (t, heading) => {
        const source = join(root, `long${n++}.jsonl`)
        const sections = { 主诉: "右上腹疼痛3天", 辅助检查: "B超示胆囊结石", 入院诊断: "胆囊结石", [heading]: t }
        writeFileSync(source, JSON.stringify({ id: "x", department: "肝胆外科", sections }))
        const t0 = performance.now()
        const out = await Effect.runPromise(runStageOnce(Records.process, { source, deid: { strictness: "mask" } }, {}, mkdtempSync(join(root, "o"))))
        expect(out.value.count + out.value.rejected).toBe(1)
        expect(performance.now() - t0, `${t.length} characters of ${JSON.stringify(t.slice(0, 12))}… in ${heading}`).toBeLessThan(5000)
      }),
      { seed: 3, numRuns: 15, interruptAfterTimeLimit: 8_000 }
    )
  })

  it("de-identify, relativise dates and scrub numbers in linear-looking time, without throwing", () => {
    const scrub = makeScrubber()
    fc.assert(
      fc.property(fc.oneof(adversarial, text), (t) => {
        const t0 = performance.now()
        const counts: DeidCounts = {}
        const [out] = relativizeDates([deidentify(t, counts)], counts)
        expect(typeof out).toBe("string")
        expect(typeof scrub(out!, {})).toBe("string")
        expect(performance.now() - t0, `${t.length} characters of ${JSON.stringify(t.slice(0, 12))}…`).toBeLessThan(1500)
      }),
      { seed: 99, numRuns: 120, interruptAfterTimeLimit: 5_000 }
    )
  })
})
