/**
 * Numeric scrubbing, as the paper describes: exact doses, injection volumes, lesion sizes, flow
 * velocities and lab values leave the text or become qualitative words (升高/降低/正常), so a
 * model learns the clinical reasoning instead of memorising numbers. Rules are data: a workflow
 * can add its own, switch kinds off, or change the reference ranges.
 */
import type { ScrubRule } from "./scrubRule.js"

export { ScrubRule } from "./scrubRule.js"

const NUM = String.raw`\d+(?:\.\d+)?`
/** a value starts at a number that is not part of a name or code (CA19-9, CK5/6, T2, Ki-67) */
const START = String.raw`(?<![A-Za-z\d.\-/^_·])`
const LEN = String.raw`(?:cm|mm|CM|MM|Cm|μm|um|nm|厘米|毫米|公分)(?![A-Za-z])`
/** a range or pair: 3-5, 3~5, 150/90 */
const RANGE = String.raw`(?:\s*(?:[-~～—至到/])\s*${NUM})?`
/** a velocity goes with its label: "流速15cm/s" → "" */
const VELOCITY_LABEL = String.raw`(?:(?:流速|血流速度|峰值流速|PSV|Vmax)\s*[：:]?\s*)?`
const LEAD = String.raw`(?:约|大约|为|达|至)?\s*[<>≥≤＜＞]?\s*`

/** units by the kind of measurement they make (the counts in quality.json use these kinds) */
const UNITS: ReadonlyArray<readonly [kind: string, source: string]> = [
  // concentrations and counts: 7.8×10^9/L, 120μmol/L, 35g/L, 1200U/ml, 5个/HP
  ["lab", String.raw`(?:(?:[×xX*]\s*)?10\s*\^?\s*[0-9⁰¹²³⁴⁵⁶⁷⁸⁹]+\s*/\s*[Ll]|(?:mmol|μmol|µmol|umol|nmol|pmol|mol|mEq|mg|μg|µg|ug|ng|pg|g|IU|mIU|μIU|µIU|uIU|KU|kU|U|u|mU|cells|个|copies|拷贝)\s*/\s*(?:L|l|dL|dl|mL|ml|μL|µL|ul|uL|HP|hp))(?![A-Za-z])`],
  ["velocity", String.raw`(?:cm/s|m/s|CM/S|厘米/秒)`],
  ["vital", String.raw`(?:mmHg|mmhg|毫米汞柱|kPa|cmH2O|cmH₂O|℃|°C|°c|次/分钟|次/分|次/min|bpm|滴/分)`],
  ["dose", String.raw`(?:mg|g|μg|µg|ug|IU|U|万U|万单位|单位|ml|mL|毫克|克)\s*/\s*(?:kg|m2|m²|㎡|d|天|日|次|h|min|小时)(?![A-Za-z])`],
  ["volume", String.raw`(?:ml|mL|ML|dl|dL|L|毫升|升(?!高))(?:\s*/\s*(?:d|天|h|次|min|24h))?(?![A-Za-z])`],
  ["percent", String.raw`(?:%|％|‰)`],
  ["size", String.raw`(?:mm³|cm³|mm3|cm3|${LEN}|m(?![A-Za-z])|米(?!粥|饭))`],
  ["dose", String.raw`(?:mg|μg|µg|ug|mcg|ng|kg|g|MG|IU|iu|U|u|万U|万单位|单位|毫克|微克|克|千克|公斤|斤|片(?![状影])|粒(?!细胞)|丸|袋|贴|支(?![架气])|kcal|千卡|Gy|cGy)(?![A-Za-z])`],
  ["lab", String.raw`(?:HU|s|秒|mmol|μmol|umol|kg/m2|kg/m²|ml/min|mL/min|L/min|ml/h|mL/h)(?![A-Za-z])`],
  // a temperature written in degrees needs a decimal ("1度" is a grade, not a measurement)
  ["vital", String.raw`(?<=\.\d)度`]
]
const ALL_UNITS = UNITS.map(([, u]) => u).join("|")

export const defaultScrubRules: ReadonlyArray<ScrubRule> = [
  // sizes first: "4*2.8*2.5CM", "3.2cm×2.5cm" must not be read as a dose or a lone number
  {
    kind: "size",
    pattern: String.raw`(?:(?:大小|体积|范围|直径|长径)约?|约)?\s*${START}${NUM}\s*(?:${LEN}\s*(?:[*×xX]\s*${NUM}\s*(?:${LEN})?\s*){1,2}|(?:[*×xX]\s*(?!10\s*\^)${NUM}\s*){1,2}${LEN})`,
    replace: ""
  },
  { kind: "size", pattern: String.raw`(?:大小|直径|长径|厚)约?\s*${NUM}\s*${LEN}`, replace: "" },
  { kind: "frequency", pattern: String.raw`(?:共|x|X|×)\s*${NUM}\s*(?:次|周期|疗程)`, replace: "" },
  // every other exact measurement with a unit: removed (a known test or vital sign has become a word already)
  ...UNITS.map(([kind, unit]) => ({ kind, pattern: String.raw`${kind === "velocity" ? VELOCITY_LABEL : ""}${LEAD}${START}${NUM}${RANGE}\s*(?:${unit})`, replace: "" }))
]

/** reference ranges for lab values and vital signs: name → [low, high] in the usual Chinese units */
export const defaultLabRanges: Readonly<Record<string, readonly [number, number]>> = {
  ALT: [0, 40],
  谷丙转氨酶: [0, 40],
  丙氨酸氨基转移酶: [0, 40],
  AST: [0, 40],
  谷草转氨酶: [0, 40],
  天门冬氨酸氨基转移酶: [0, 40],
  TBIL: [3.4, 20.5],
  总胆红素: [3.4, 20.5],
  DBIL: [0, 6.8],
  直接胆红素: [0, 6.8],
  IBIL: [1.7, 13.7],
  间接胆红素: [1.7, 13.7],
  ALB: [35, 55],
  白蛋白: [35, 55],
  TP: [60, 80],
  总蛋白: [60, 80],
  球蛋白: [20, 40],
  GGT: [0, 50],
  "γ-GT": [0, 50],
  谷氨酰转肽酶: [0, 50],
  ALP: [40, 150],
  碱性磷酸酶: [40, 150],
  总胆汁酸: [0, 10],
  TBA: [0, 10],
  胆碱酯酶: [5000, 12000],
  CHE: [5000, 12000],
  LDH: [109, 245],
  乳酸脱氢酶: [109, 245],
  AFP: [0, 20],
  甲胎蛋白: [0, 20],
  CEA: [0, 5],
  癌胚抗原: [0, 5],
  "CA19-9": [0, 37],
  CA199: [0, 37],
  CA125: [0, 35],
  CA242: [0, 20],
  "CA72-4": [0, 6.9],
  CA724: [0, 6.9],
  "CA15-3": [0, 25],
  铁蛋白: [15, 200],
  "HBV-DNA": [0, 100],
  "HBV DNA": [0, 100],
  WBC: [4, 10],
  白细胞: [4, 10],
  白细胞计数: [4, 10],
  RBC: [3.5, 5.5],
  红细胞: [3.5, 5.5],
  PLT: [100, 300],
  血小板: [100, 300],
  Hb: [110, 160],
  HGB: [110, 160],
  血红蛋白: [110, 160],
  中性粒细胞百分比: [50, 70],
  中性粒细胞比例: [50, 70],
  "NEUT%": [50, 70],
  "N%": [50, 70],
  淋巴细胞百分比: [20, 40],
  "LYM%": [20, 40],
  中性粒细胞计数: [2, 7],
  淀粉酶: [0, 115],
  血淀粉酶: [0, 115],
  AMY: [0, 115],
  脂肪酶: [0, 60],
  肌酐: [44, 133],
  血肌酐: [44, 133],
  Cr: [44, 133],
  Scr: [44, 133],
  SCr: [44, 133],
  尿素氮: [2.9, 8.2],
  BUN: [2.9, 8.2],
  尿素: [2.9, 8.2],
  尿酸: [150, 420],
  血糖: [3.9, 6.1],
  空腹血糖: [3.9, 6.1],
  葡萄糖: [3.9, 6.1],
  GLU: [3.9, 6.1],
  糖化血红蛋白: [4, 6],
  HbA1c: [4, 6],
  血钾: [3.5, 5.5],
  血钠: [135, 145],
  血氯: [96, 106],
  血钙: [2.1, 2.6],
  总胆固醇: [2.8, 5.2],
  甘油三酯: [0.56, 1.7],
  CRP: [0, 10],
  C反应蛋白: [0, 10],
  PCT: [0, 0.5],
  降钙素原: [0, 0.5],
  PT: [11, 14],
  凝血酶原时间: [11, 14],
  APTT: [25, 37],
  纤维蛋白原: [2, 4],
  "D-二聚体": [0, 0.5],
  INR: [0.8, 1.2],
  体温: [36, 37.3],
  脉搏: [60, 100],
  心率: [60, 100],
  呼吸: [12, 20],
  血氧饱和度: [95, 100],
  SpO2: [95, 100],
  BMI: [18.5, 24],
  体重指数: [18.5, 24]
}

/** blood pressure: systolic and diastolic ranges */
const BP_RANGES = { systolic: [90, 140], diastolic: [60, 90] } as const

export interface ScrubOptions {
  readonly rules?: ReadonlyArray<ScrubRule>
  /** kinds of the default rules to switch off ("lab" included) */
  readonly disable?: ReadonlyArray<string>
  readonly labRanges?: Readonly<Record<string, readonly [number, number]>>
}

export type ScrubCounts = Record<string, number>

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
/** Latin names match as whole words: "PT" is not the end of "APTT", "Cr" not the start of "CrCl" */
const nameSource = (n: string) => (/^[A-Za-z]/.test(n) ? String.raw`(?<![A-Za-z])${escapeRe(n)}` : escapeRe(n))

const SUPERSCRIPT = "⁰¹²³⁴⁵⁶⁷⁸⁹"
const exponent = (s: string) => Number([...s].map((c) => (SUPERSCRIPT.includes(c) ? String(SUPERSCRIPT.indexOf(c)) : c)).join(""))

const qualitative = (v: number, [lo, hi]: readonly [number, number], cmp: string, arrow: string | undefined) =>
  arrow === "↑" || cmp === ">" || cmp === "≥" || cmp === "＞" || v > hi ? "升高" : arrow === "↓" || cmp === "<" || cmp === "≤" || cmp === "＜" || v < lo ? "降低" : "正常"

/** compiled once per options (the regexes are not cheap to rebuild per record) */
export const makeScrubber = (options: ScrubOptions = {}) => {
  const disabled = new Set(options.disable ?? [])
  const rules = [...defaultScrubRules.filter((r) => !disabled.has(r.kind)), ...(options.rules ?? [])].map((r) => ({
    ...r,
    re: new RegExp(r.pattern, "gu")
  }))
  const ranges = { ...defaultLabRanges, ...options.labRanges }
  const names = Object.keys(ranges).sort((a, b) => b.length - a.length)
  // "ALT 125U/L", "AFP：>1210ng/ml↑", "总胆红素45.6μmol/L", "HBV-DNA 1.2×10^5IU/ml", "WBC 7.8×10^9/L"
  const labRe = new RegExp(
    String.raw`(${names.map(nameSource).join("|")})\s*(?:值|水平|计数)?\s*[：:为约]?\s*([<>≥≤＜＞]?)\s*(${NUM})(?:\s*[×xX*]\s*10\s*\^?\s*([0-9⁰¹²³⁴⁵⁶⁷⁸⁹]+)(?!\s*/\s*[Ll]))?\s*(?:${ALL_UNITS})?\s*([↑↓])?`,
    "gu"
  )
  const bpRe = /(血压|BP)\s*[：:为约]?\s*(\d{2,3})\s*\/\s*(\d{2,3})\s*(?:mmHg|mmhg|毫米汞柱|kPa)?\s*([↑↓])?/gu
  return (text: string, counts: ScrubCounts): string => {
    let out = text
    if (!disabled.has("lab")) {
      out = out.replace(bpRe, (_m, name: string, sys: string, dia: string, arrow: string | undefined) => {
        counts.vital = (counts.vital ?? 0) + 1
        const s = Number(sys)
        const d = Number(dia)
        const word =
          arrow === "↑" || s > BP_RANGES.systolic[1] || d > BP_RANGES.diastolic[1]
            ? "升高"
            : arrow === "↓" || s < BP_RANGES.systolic[0] || d < BP_RANGES.diastolic[0]
              ? "降低"
              : "正常"
        return `${name}${word}`
      })
      out = out.replace(labRe, (_m, name: string, cmp: string, value: string, exp: string | undefined, arrow: string | undefined) => {
        counts.lab = (counts.lab ?? 0) + 1
        const v = Number(value) * (exp ? 10 ** exponent(exp) : 1)
        return `${name}${qualitative(v, ranges[name]!, cmp, arrow)}`
      })
    }
    for (const r of rules) {
      out = out.replace(r.re, (...m: Array<any>) => {
        counts[r.kind] = (counts[r.kind] ?? 0) + 1
        return r.replace.replace(/\$(\d)/g, (_x, i: string) => String(m[Number(i)] ?? ""))
      })
    }
    // removing numbers leaves "，，" and "（）"
    return out
      .replace(/[（(]\s*[)）]/g, "")
      .replace(/([，,、；;])\s*(?=[，,、；;。])/g, "")
      .replace(/[ \t]{2,}/g, " ")
  }
}

/** a terminology rewrite table: abbreviations and record jargon → plain terms */
export const defaultTerms: Readonly<Record<string, string>> = {
  TACE: "经导管动脉化疗栓塞术",
  ERCP: "内镜逆行胰胆管造影",
  PTCD: "经皮经肝胆道引流",
  EST: "内镜下十二指肠乳头括约肌切开术",
  LC: "腹腔镜胆囊切除术",
  HCC: "肝细胞癌",
  MRCP: "磁共振胰胆管成像",
  RFA: "射频消融",
  TIPS: "经颈静脉肝内门体分流术",
  "B超": "超声检查",
  彩超: "彩色多普勒超声",
  "pt": "患者",
  bid: "每日两次",
  tid: "每日三次",
  qd: "每日一次",
  iv: "静脉注射",
  ivgtt: "静脉滴注",
  po: "口服",
  prn: "必要时",
  "NS": "生理盐水",
  "GS": "葡萄糖注射液",
  "予以": "给予",
  "拟诊": "初步诊断为",
  "查体": "体格检查",
  "纳差": "食欲减退",
  "尿黄": "小便发黄",
  "皮黄": "皮肤发黄",
  "巩膜黄染": "眼白发黄（巩膜黄染）"
}

/**
 * Terms with Latin letters match as whole words (so "LC" does not hit "LCA"); Chinese terms match
 * anywhere. The longest term wins where two overlap.
 */
export const makeTermRewriter = (table: Readonly<Record<string, string>>) => {
  const keys = Object.keys(table).sort((a, b) => b.length - a.length)
  if (keys.length === 0) return (t: string, _c: ScrubCounts) => t
  const re = new RegExp(keys.map((k) => (/^[A-Za-z]/.test(k) ? String.raw`(?<![A-Za-z])${escapeRe(k)}(?![A-Za-z])` : escapeRe(k))).join("|"), "g")
  return (text: string, counts: ScrubCounts): string =>
    text.replace(re, (m) => {
      counts.terms = (counts.terms ?? 0) + 1
      return table[m] ?? m
    })
}
