import { describe, expect, it } from "vitest"
import { Schema } from "effect"
import { ClinicalRecord } from "@zaoji/data"
import {
  buildQa,
  canonicalSections,
  deidentify,
  makeScrubber,
  makeTermRewriter,
  relativizeDates,
  residualScan,
  splitSections,
  validId18,
  structure
} from "../src/kit.js"

describe("sections", () => {
  it("splits free text on inline headings and maps synonyms to canonical keys", () => {
    const { sections, preamble, headings } = splitSections("入院记录\n主诉：右上腹痛3天。现病史：3天前饱餐后出现腹痛。\n查体：墨菲征阳性。辅助检查：超声示胆囊结石。出院诊断：胆囊结石")
    expect(headings).toBe(5)
    expect(preamble).toBe("入院记录")
    expect(sections).toEqual({
      chief_complaint: "右上腹痛3天。",
      present_illness: "3天前饱餐后出现腹痛。",
      physical_exam: "墨菲征阳性。",
      auxiliary_exam: "超声示胆囊结石。",
      diagnosis: "胆囊结石"
    })
    const c = canonicalSections({ 主诉: "腹痛", 出院带药: "熊去氧胆酸", 奇怪标题: "x", outcome: "好转" })
    expect(c.sections).toEqual({ chief_complaint: "腹痛", medication: "熊去氧胆酸", outcome: "好转" })
    expect(c.unknown).toEqual(["奇怪标题"])
  })
})

describe("de-identification", () => {
  const text =
    "患者张晓禾，男，45岁，身份证号110101198003071234，住址：虚构省青禾市白鹭区梧桐路12号，电话13912345678，" +
    "住院号：ZY20230012，病理号：2013.0045。曾在青禾市第三人民医院就诊，后来我院。家属李某某陪同，座机010-62345678。"
  it("replaces every identifier and counts by kind only", () => {
    const counts = {}
    const out = deidentify(text, counts)
    for (const secret of ["张晓禾", "110101198003071234", "梧桐路", "13912345678", "ZY20230012", "2013.0045", "青禾市第三人民医院", "李某某", "62345678"])
      expect(out).not.toContain(secret)
    expect(counts).toEqual({ id_card: 1, phone: 2, record_number: 2, hospital: 1, address: 1, name: 2 })
    expect(out).toContain("来我院")
    expect(out).toContain("男，45岁")
  })
  it("leaves ordinary clinical phrases alone", () => {
    const plain = "患者高热，黄疸，于外院行胆囊切除术，转至我院。患者于今年再发腹痛，男性多见。"
    const counts = {}
    expect(deidentify(plain, counts)).toBe(plain)
    expect(counts).toEqual({})
  })
  it("skips kinds on request and honours known names", () => {
    const counts = {}
    const out = deidentify("电话13912345678，由王大锤陪同", counts, { skip: ["phone"], knownNames: ["王大锤"] })
    expect(out).toBe("电话13912345678，由[姓名]陪同")
    expect(counts).toEqual({ name: 1 })
  })
  it("makes dates relative to the record's latest date, across all its texts", () => {
    const counts: Record<string, number> = {}
    const out = relativizeDates(["2023年3月1日起病，2023-03-04入院", "2023.3.10出院；2022年3月曾体检"], counts)
    expect(out).toEqual(["9天前起病，6天前入院", "同日出院；1年前曾体检"])
    expect(counts.date).toBe(4)
  })
  it("places dates written without a year next to the record's full dates, across a new year too", () => {
    const counts: Record<string, number> = {}
    const out = relativizeDates(["患者于12月28日起病，2023年1月3日入院", "1月6日行胆囊切除术，术后3-5天出院，3.5cm结石"], counts)
    expect(out).toEqual(["患者于9天前起病，3天前入院", "同日行胆囊切除术，术后3-5天出院，3.5cm结石"])
    expect(counts.date).toBe(3)
  })
  it("keeps the spacing of year-less dates in a record that has no full date", () => {
    const counts: Record<string, number> = {}
    expect(relativizeDates(["3月1日起病，3月4号入院", "3月10日出院，病程3个月"], counts)).toEqual(["9天前起病，6天前入院", "同日出院，病程3个月"])
    expect(counts.date).toBe(3)
  })
})

describe("de-identification of the forms the issue found leaking", () => {
  const run = (t: string) => {
    const c: Record<string, number> = {}
    return { out: relativizeDates([deidentify(t, c)], c)[0]!, c }
  }
  it("masks staff, relatives and rare or compound surnames, and keeps drugs that look like names", () => {
    const { out } = run("主治医师王五查房，护士赵敏换药，由李医生主刀。患者张三因腹痛入院，患者：欧阳明，男。患者葛红（女，60岁）。其子司马光、其女亓丽陪同。予葛根、白芍，避免马兜铃。")
    for (const s of ["王五", "赵敏", "李医生", "张三", "欧阳明", "葛红", "司马光", "亓丽"]) expect(out).not.toContain(s)
    for (const s of ["葛根", "白芍", "马兜铃", "查房", "主刀"]) expect(out).toContain(s)
    expect(out).toContain("护士[姓名]换药，由[姓名]医生主刀")
  })
  it("masks 15-digit IDs, landlines in any punctuation, e-mail, partial addresses, other labels and ages over 89", () => {
    const { out, c } = run(
      "身份证号110101800307123，电话0571 88812345，(010)62751234，邮箱zhang3@163.com，家住浙江省杭州市文一西路100号，病案号A12345，医保卡号YB998877，影像号CT2023-0012，床号12，患者95岁"
    )
    for (const s of ["110101800307123", "88812345", "62751234", "zhang3@163.com", "文一西路", "A12345", "YB998877", "CT2023-0012", "95岁"]) expect(out).not.toContain(s)
    expect(out).toContain("90岁以上")
    expect(c).toMatchObject({ id_card: 1, phone: 2, email: 1, address: 1, record_number: 4, age: 1 })
  })
  it("scans a long text in linear time (an unbounded e-mail shape made it quadratic)", () => {
    const long = "右上腹痛伴发热，查体墨菲征阳性。".repeat(12_000)
    const start = performance.now()
    expect(residualScan(long)).toEqual([])
    expect(deidentify(long, {})).toBe(long)
    // quadratic scanning took over ten seconds at this size
    expect(performance.now() - start).toBeLessThan(5_000)
  })
  it("relativises dates in every form, and finds a valid ID check character in digits written in groups", () => {
    const { out, c } = run("23年3月7日起病，二〇二三年三月十日入院，3/12/2023复查，20230315手术，2023.03.15 08:30随访")
    expect(out).toBe("8天前起病，5天前入院，3天前复查，同日手术，同日随访")
    expect(c.date).toBe(5)
    expect(validId18("11010519491231002X")).toBe(true)
    expect(validId18("110105194912310021")).toBe(false)
    expect(residualScan("编号 1101 0519 4912 3100 2X").map((h) => h.kind)).toContain("id_checksum")
  })
})

describe("numeric scrubbing and terms", () => {
  const scrub = makeScrubber()
  it("removes doses, volumes, sizes, velocities; lab values become qualitative words", () => {
    const c: Record<string, number> = {}
    const out = scrub(
      "超声示胆囊大小约8.5×4.2cm，结石直径1.2cm，门静脉流速15cm/s。ALT 125U/L，AST：30U/L，白蛋白28g/L，AFP>1210ng/ml↑。给予头孢曲松2g ivgtt，补液500ml，术中出血约200ml。体温38.6℃。",
      c
    )
    expect(out).toBe("超声示胆囊，结石，门静脉。ALT升高，AST正常，白蛋白降低，AFP升高。给予头孢曲松 ivgtt，补液，术中出血。体温升高。")
    expect(c).toMatchObject({ size: 2, velocity: 1, lab: 5, dose: 1, volume: 2 })
  })
  it("scrubs every exact measurement with a unit, not only those in the table", () => {
    const c: Record<string, number> = {}
    expect(scrub("血肌酐 120μmol/L，血糖 7.8mmol/L，血压 150/90mmHg，中性粒细胞百分比 85%，肿块大小约3.2cm×2.5cm，尿酸结晶 3个/HP，术中输液 1500ml，SpO2 92%，CT值45HU", c)).toBe(
      "血肌酐正常，血糖升高，血压升高，中性粒细胞百分比升高，肿块，尿酸结晶，术中输液，SpO2降低，CT值"
    )
    expect(c).toMatchObject({ lab: 6, vital: 1, size: 1, volume: 1 })
  })
  it("rules are configurable: disable kinds, custom ranges, extra rules", () => {
    const custom = makeScrubber({ disable: ["dose"], labRanges: { ALT: [0, 200] }, rules: [{ kind: "score", pattern: String.raw`评分\d+分`, replace: "评分" }] })
    const c: Record<string, number> = {}
    expect(custom("ALT 125U/L，头孢曲松2g，Child-Pugh评分7分，治愈率80%", c)).toBe("ALT正常，头孢曲松2g，Child-Pugh评分，治愈率")
    expect(c).toEqual({ lab: 1, score: 1, percent: 1 })
  })
  it("term rewriting matches Latin abbreviations as whole words only", () => {
    const rw = makeTermRewriter({ LC: "腹腔镜胆囊切除术", bid: "每日两次", 纳差: "食欲减退" })
    const c: Record<string, number> = {}
    expect(rw("行LC术，LCA正常，口服 bid，纳差", c)).toBe("行腹腔镜胆囊切除术术，LCA正常，口服 每日两次，食欲减退")
    expect(c.terms).toBe(3)
  })
})

const rec = (x: unknown) => Schema.decodeUnknownSync(ClinicalRecord)(x)

describe("Q/A construction", () => {
  it("Q = complaint + findings; A has only the parts the record supports", () => {
    const r = structure(rec({ id: "1", sections: { 主诉: "右上腹痛3天", 体格检查: "墨菲征阳性", 诊断: "1.急性胆囊炎 2.高血压", 用药: "头孢曲松" } }))
    const qa = buildQa(r)
    expect(qa.ok).toBe(true)
    if (!qa.ok) return
    expect(qa.question).toBe("患者右上腹痛3天。墨菲征阳性。请问可能是什么病？还需要做哪些检查，如何治疗？")
    expect(qa.answer).toBe("考虑诊断为急性胆囊炎、高血压。用药：头孢曲松。")
    expect(qa.parts).toEqual(["diagnosis", "drugs"])
    expect(qa.answer).not.toMatch(/手术|预后/)
  })
  it("gives a reason when a usable pair cannot be made", () => {
    const reasons = [
      { 体格检查: "x", 诊断: "y" },
      { 主诉: "腹痛", 诊断: "胆囊炎" },
      { 主诉: "腹痛", 辅助检查: "超声示结石" },
      { 主诉: "腹痛", 辅助检查: "超声示结石", 诊断: "胆囊结石" }
    ].map((sections, i) => {
      const qa = buildQa(structure(rec({ id: String(i), sections })))
      return qa.ok ? "ok" : qa.reason
    })
    expect(reasons).toEqual(["no-chief-complaint", "no-findings", "no-diagnosis", "answer-too-short"])
  })
  it("reads the annotated narrative layout (no headings): complaint and findings from text, the rest from annotations", () => {
    const text = "，患者因反复右上腹痛2月于2019-05-02来我院就诊，腹部CT示：胆总管下段占位。行胰十二指肠切除术，术后予吉西他滨化疗。患者术后恢复良好。"
    const span = (t: string, type: string) => ({ type, start: text.indexOf(t), end: text.indexOf(t) + t.length })
    const r = structure(
      rec({ id: "n", text, entities: [span("胆总管下段占位", "疾病和诊断"), span("胰十二指肠切除术", "手术"), span("吉西他滨", "药物"), span("腹部CT", "影像检查")] })
    )
    expect(r.layout).toBe("narrative")
    expect(r.sections.chief_complaint).toBe("反复右上腹痛2月")
    expect(r.sections.auxiliary_exam).toBe("腹部CT示：胆总管下段占位。")
    const qa = buildQa(r)
    expect(qa.ok && qa.answer).toBe("考虑诊断为胆总管下段占位。建议完善腹部CT等检查。需要手术治疗：胰十二指肠切除术。用药：吉西他滨。预后：患者术后恢复良好。")
  })
})

describe("plain-text record files", () => {
  it("splits records on separator lines, keeps their start line, and takes an ID line as id", async () => {
    const { parseTextRecords } = await import("../src/kit.js")
    const rs = parseTextRecords("主诉：腹痛\n诊断：胆囊炎\n---\n\nID：R-7\n主诉：黄疸\n=====\n", "ward")
    expect(rs.map((r) => [r.record.id, r.line, r.record.text])).toEqual([
      ["ward-1", 1, "主诉：腹痛\n诊断：胆囊炎"],
      ["R-7", 5, "主诉：黄疸"]
    ])
  })
})
