/**
 * De-identification. Every replacement is counted by kind only (never the value), so a run can be
 * audited without the audit log itself leaking what it removed. Exact dates (with or without a year)
 * become relative to the record's latest date, which keeps the course of illness readable.
 */
export const DeidKinds = ["id_card", "phone", "record_number", "hospital", "address", "name", "date"] as const
export type DeidKind = (typeof DeidKinds)[number]
export type DeidCounts = Partial<Record<DeidKind, number>>

export interface DeidOptions {
  /** kinds to leave alone (default: none) */
  readonly skip?: ReadonlyArray<DeidKind>
  /** extra names known to be people (e.g. from a roster), always replaced */
  readonly knownNames?: ReadonlyArray<string>
}

const SURNAMES =
  "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
// (only used next to a strong cue: "患者X…，男/女/NN岁", or a masked form like 张某某)

const count = (counts: DeidCounts, kind: DeidKind, n = 1) => {
  counts[kind] = (counts[kind] ?? 0) + n
}

interface ParsedDate {
  readonly index: number
  readonly length: number
  /** undefined for a month-day date written without a year ("3月5日"); placed by `placeYearless` */
  readonly year: number | undefined
  readonly month: number
  readonly day: number
  /** the date named only a month */
  readonly monthOnly: boolean
}

const DATE = /(\d{4})\s*(?:年|-|\/|\.)\s*(\d{1,2})\s*(?:(?:月|-|\/|\.)\s*(\d{1,2})\s*日?|月(?!\d))/g
// Only the 月…日/号 form: "3-5" or "3.5" without a year is far more often a range or a size than a date.
const YEARLESS = /(?<![\d年.\-/])(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]/g

const validDate = (mo: number, d: number) => mo >= 1 && mo <= 12 && d >= 1 && d <= 31

const findDates = (text: string): Array<ParsedDate> => {
  const out: Array<ParsedDate> = []
  for (const m of text.matchAll(DATE)) {
    const y = Number(m[1])
    const mo = Number(m[2])
    const d = m[3] ? Number(m[3]) : 1
    if (y < 1900 || y > 2100 || !validDate(mo, d)) continue
    out.push({ index: m.index!, length: m[0].length, year: y, month: mo, day: d, monthOnly: !m[3] })
  }
  const full = [...out]
  for (const m of text.matchAll(YEARLESS)) {
    const start = m.index!
    const end = start + m[0].length
    if (full.some((f) => start < f.index + f.length && f.index < end)) continue
    const mo = Number(m[1])
    const d = Number(m[2])
    if (!validDate(mo, d)) continue
    out.push({ index: start, length: m[0].length, year: undefined, month: mo, day: d, monthOnly: false })
  }
  return out.sort((a, b) => a.index - b.index)
}

const utc = (year: number, d: ParsedDate) => Date.UTC(year, d.month - 1, d.day)

/**
 * A year-less date takes the year that puts it nearest the record's latest full date (so "12月28日"
 * in a record admitted on 2023-01-03 is a week earlier, not eleven months later). A record with no
 * full date at all gets one arbitrary leap year for all of them, which keeps their spacing.
 */
const placeYearless = (all: ReadonlyArray<ParsedDate>): ((d: ParsedDate) => number) => {
  const fullTimes = all.filter((d) => d.year !== undefined).map((d) => utc(d.year!, d))
  if (fullTimes.length === 0) return (d) => utc(d.year ?? 2000, d)
  const anchor = Math.max(...fullTimes)
  const anchorYear = new Date(anchor).getUTCFullYear()
  return (d) => {
    if (d.year !== undefined) return utc(d.year, d)
    const candidates = [anchorYear - 1, anchorYear, anchorYear + 1].map((y) => utc(y, d))
    return candidates.reduce((best, t) => (Math.abs(t - anchor) < Math.abs(best - anchor) ? t : best))
  }
}

const DAY = 86_400_000
/** "3天前", "2个月后", "同日" … relative to `ref` */
export const relativeDate = (time: number, ref: number, monthOnly = false): string => {
  const days = Math.round((time - ref) / DAY)
  if (days === 0) return monthOnly ? "当月" : "同日"
  const abs = Math.abs(days)
  const dir = days < 0 ? "前" : "后"
  if (abs < 31 && !monthOnly) return `${abs}天${dir}`
  if (abs < 365) return `${Math.max(1, Math.round(abs / 30))}个月${dir}`
  return `${Math.round(abs / 365)}年${dir}`
}

interface Rule {
  readonly kind: Exclude<DeidKind, "date">
  readonly pattern: RegExp
  readonly replace: string | ((...m: Array<string>) => string)
}

const rules: ReadonlyArray<Rule> = [
  { kind: "id_card", pattern: /(?<!\d)\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?!\d)/g, replace: "[身份证号]" },
  { kind: "phone", pattern: /(?<!\d)(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)/g, replace: "[电话]" },
  { kind: "phone", pattern: /(?<!\d)0\d{2,3}-\d{7,8}(?!\d)/g, replace: "[电话]" },
  {
    kind: "record_number",
    pattern: /(住院号|病案号|门诊号|病历号|病理号|登记号|ID号|床号|档案号|影像号|检查号)\s*[：:]?\s*[A-Za-z\d][-\dA-Za-z.]*[\dA-Za-z]/g,
    replace: (_m, label) => `${label}[编号]`
  },
  {
    kind: "address",
    pattern: /(?:(?:住址|地址|家住|现住)\s*[：:]?\s*)?[\u4e00-\u9fa5]{2,8}(?:省|自治区)?[\u4e00-\u9fa5]{1,8}(?:市|州|盟)[\u4e00-\u9fa5]{1,8}(?:区|县|旗)[\u4e00-\u9fa5\d]{0,20}?(?:路|街|道|巷|村|小区)[\d\-一二三四五六七八九十]*(?:号|弄|栋|单元|室)?(?:[\d\-]+(?:号|室))?/g,
    replace: "[地址]"
  },
  {
    kind: "address",
    pattern: /(住址|地址|家住|现住)\s*[：:]\s*[^，。；\n]{2,40}/g,
    replace: (_m, label) => `${label}：[地址]`
  },
  // names: after a label, or "患者XX，男/女", or masked forms like 张某某 / 张XX
  { kind: "name", pattern: /(姓名|患者姓名|联系人|家属|主治医师|主管医师|医师|签名)\s*[：:]\s*[\u4e00-\u9fa5]{2,4}/g, replace: (_m, label) => `${label}：[姓名]` },
  {
    kind: "name",
    pattern: new RegExp(`(患者|病人|患儿)([${SURNAMES}][\\u4e00-\\u9fa5]{1,2})(?=[，,\\s]*(?:男|女|\\d{1,3}岁))`, "g"),
    replace: (_m, label) => `${label}[姓名]`
  },
  { kind: "name", pattern: new RegExp(`[${SURNAMES}](?:某某|某(?![某医院地处些种])|XX|xx)(?![\\u4e00-\\u9fa5]*医院)`, "g"), replace: "[姓名]" }
]

const HOSPITAL = /(人民医院|中心医院|附属医院|中医院|医院|卫生院|诊所|保健院)/g
/** words that end a hospital name when walking backwards from 医院 (我院/外院/来…医院 are not names) */
const HOSPITAL_STOP = new Set("在于至到赴往去来我外本该转经及和与的患者诊行入住、，,。；;：: \n")

/**
 * Hospital names are found from their suffix backwards, so the preceding words ("患者在…") are
 * not swallowed; a prefix shorter than two characters (我院, 外院) is not a name.
 */
const replaceHospitals = (text: string, counts: DeidCounts): string => {
  let out = ""
  let pos = 0
  for (const m of text.matchAll(HOSPITAL)) {
    let start = m.index!
    while (start > pos && m.index! - start < 14 && /[\u4e00-\u9fa5A-Za-z\d]/.test(text[start - 1]!) && !HOSPITAL_STOP.has(text[start - 1]!)) start--
    if (m.index! - start < 2) continue
    out += text.slice(pos, start) + "[医院]"
    pos = m.index! + m[0].length
    count(counts, "hospital")
  }
  return out + text.slice(pos)
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

export const deidentify = (text: string, counts: DeidCounts, options: DeidOptions = {}): string => {
  const skip = new Set(options.skip ?? [])
  let out = text
  if (!skip.has("name") && options.knownNames?.length) {
    const re = new RegExp(options.knownNames.map(escapeRe).join("|"), "g")
    out = out.replace(re, () => {
      count(counts, "name")
      return "[姓名]"
    })
  }
  let hospitalsDone = skip.has("hospital")
  for (const rule of rules) {
    // hospitals before addresses: "某某市人民医院" is a hospital, not an address
    if (!hospitalsDone && rule.kind === "address") {
      out = replaceHospitals(out, counts)
      hospitalsDone = true
    }
    if (skip.has(rule.kind)) continue
    out = out.replace(rule.pattern, (...m: Array<any>) => {
      count(counts, rule.kind)
      return typeof rule.replace === "string" ? rule.replace : rule.replace(...(m as Array<string>))
    })
  }
  return hospitalsDone ? out : replaceHospitals(out, counts)
}

/**
 * Replace exact dates across all of a record's texts, relative to the latest date found in any of
 * them (one reference per record keeps the timeline consistent between sections).
 */
export const relativizeDates = (texts: ReadonlyArray<string>, counts: DeidCounts): Array<string> => {
  const all = texts.map(findDates)
  const flat = all.flat()
  if (flat.length === 0) return [...texts]
  const timeOf = placeYearless(flat)
  const times = new Map(flat.map((d) => [d, timeOf(d)]))
  const ref = Math.max(...times.values())
  return texts.map((t, i) => {
    let out = ""
    let pos = 0
    for (const d of all[i]!) {
      out += t.slice(pos, d.index) + relativeDate(times.get(d)!, ref, d.monthOnly)
      pos = d.index + d.length
      count(counts, "date")
    }
    return out + t.slice(pos)
  })
}
