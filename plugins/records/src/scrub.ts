/**
 * Numeric scrubbing, as the paper describes: exact doses, injection volumes, lesion sizes, flow
 * velocities and lab values leave the text or become qualitative words (升高/降低/正常), so a
 * model learns the clinical reasoning instead of memorising numbers. Rules are data: a workflow
 * can add its own, switch kinds off, or change the reference ranges.
 */
import { Schema } from "effect"

export const ScrubRule = Schema.Struct({
  kind: Schema.String,
  /** a JavaScript regular expression source (flags "gu" are applied) */
  pattern: Schema.String,
  /** replacement text; $1… refer to groups */
  replace: Schema.String
})
export type ScrubRule = typeof ScrubRule.Type

const NUM = String.raw`\d+(?:\.\d+)?`

export const defaultScrubRules: ReadonlyArray<ScrubRule> = [
  // sizes first: "4*2.8*2.5CM" must not be read as a dose or a lone number
  { kind: "size", pattern: String.raw`(?:大小|体积|范围|直径|长径)?约?\s*${NUM}\s*(?:[*×xX]\s*${NUM}\s*){1,2}(?:cm|mm|CM|MM|Cm|厘米|毫米)`, replace: "" },
  { kind: "size", pattern: String.raw`(?:大小|直径|长径|厚)约?\s*${NUM}\s*(?:cm|mm|CM|MM|厘米|毫米)`, replace: "" },
  { kind: "size", pattern: String.raw`${NUM}\s*(?:cm|mm|CM|MM|厘米|毫米)(?![/\w])`, replace: "" },
  { kind: "velocity", pattern: String.raw`(?:流速|血流速度|峰值流速|PSV|Vmax)?\s*[：:]?\s*${NUM}\s*(?:cm/s|m/s|CM/S|厘米/秒)`, replace: "" },
  {
    kind: "dose",
    pattern: String.raw`约?\s*${NUM}\s*(?:mg|g|μg|ug|mcg|MG|IU|iu|U|u|万单位|单位|毫克|微克|克)(?:\s*/\s*(?:kg|m2|m²|㎡|d|天|次|日|h))*(?![a-zA-Z])`,
    replace: ""
  },
  { kind: "volume", pattern: String.raw`约?\s*${NUM}\s*(?:ml|mL|ML|毫升|L|升)(?:\s*/\s*(?:d|天|h|次))?(?![a-zA-Z])`, replace: "" },
  { kind: "frequency", pattern: String.raw`(?:共|x|X|×)\s*${NUM}\s*(?:次|周期|疗程)`, replace: "" }
]

/** reference ranges for lab values: name → [low, high] in the usual Chinese units */
export const defaultLabRanges: Readonly<Record<string, readonly [number, number]>> = {
  ALT: [0, 40],
  谷丙转氨酶: [0, 40],
  AST: [0, 40],
  谷草转氨酶: [0, 40],
  TBIL: [3.4, 20.5],
  总胆红素: [3.4, 20.5],
  DBIL: [0, 6.8],
  直接胆红素: [0, 6.8],
  ALB: [35, 55],
  白蛋白: [35, 55],
  GGT: [0, 50],
  ALP: [40, 150],
  AFP: [0, 20],
  甲胎蛋白: [0, 20],
  CEA: [0, 5],
  "CA19-9": [0, 37],
  CA199: [0, 37],
  CA125: [0, 35],
  WBC: [4, 10],
  白细胞: [4, 10],
  PLT: [100, 300],
  血小板: [100, 300],
  Hb: [110, 160],
  HGB: [110, 160],
  血红蛋白: [110, 160],
  淀粉酶: [0, 115],
  AMY: [0, 115],
  PT: [11, 14],
  体温: [36, 37.3],
  脉搏: [60, 100],
  心率: [60, 100],
  INR: [0.8, 1.2]
}

export interface ScrubOptions {
  readonly rules?: ReadonlyArray<ScrubRule>
  /** kinds of the default rules to switch off ("lab" included) */
  readonly disable?: ReadonlyArray<string>
  readonly labRanges?: Readonly<Record<string, readonly [number, number]>>
}

export type ScrubCounts = Record<string, number>

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** compiled once per options (the regexes are not cheap to rebuild per record) */
export const makeScrubber = (options: ScrubOptions = {}) => {
  const disabled = new Set(options.disable ?? [])
  const rules = [...defaultScrubRules.filter((r) => !disabled.has(r.kind)), ...(options.rules ?? [])].map((r) => ({
    ...r,
    re: new RegExp(r.pattern, "gu")
  }))
  const ranges = { ...defaultLabRanges, ...options.labRanges }
  const names = Object.keys(ranges).sort((a, b) => b.length - a.length)
  // "ALT 125U/L", "AFP：>1210ng/ml↑", "总胆红素45.6μmol/L"
  const labRe = new RegExp(
    String.raw`(${names.map(escapeRe).join("|")})\s*(?:值|水平)?\s*[：:为约]?\s*([<>≥≤]?)\s*(${NUM})\s*(?:℃|次/分|mmHg|[a-zA-Zμ/%×\^\d.]*(?:/L|/l|ml|mL|L|%|s|秒))?\s*([↑↓])?`,
    "gu"
  )
  return (text: string, counts: ScrubCounts): string => {
    let out = text
    if (!disabled.has("lab")) {
      out = out.replace(labRe, (_m, name: string, cmp: string, value: string, arrow: string | undefined) => {
        counts.lab = (counts.lab ?? 0) + 1
        const [lo, hi] = ranges[name]!
        const v = Number(value)
        const word =
          arrow === "↑" || cmp === ">" || cmp === "≥" || v > hi ? "升高" : arrow === "↓" || cmp === "<" || cmp === "≤" || v < lo ? "降低" : "正常"
        return `${name}${word}`
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
