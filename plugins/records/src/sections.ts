/**
 * Record sections: the headings Chinese inpatient records use, mapped to canonical keys, and a
 * splitter for free text that carries those headings inline ("主诉：… 现病史：…").
 */
export const SectionKeys = [
  "chief_complaint",
  "present_illness",
  "past_history",
  "physical_exam",
  "auxiliary_exam",
  "diagnosis",
  "treatment",
  "surgery",
  "medication",
  "advice",
  "outcome"
] as const
export type SectionKey = (typeof SectionKeys)[number]

/** heading → key; longer headings first so 出院诊断 wins over 诊断 */
const headingTable: ReadonlyArray<readonly [string, SectionKey]> = [
  ["主诉", "chief_complaint"],
  ["现病史", "present_illness"],
  ["入院原因", "present_illness"],
  ["病史摘要", "present_illness"],
  ["既往史", "past_history"],
  ["个人史", "past_history"],
  ["婚育史", "past_history"],
  ["家族史", "past_history"],
  ["体格检查", "physical_exam"],
  ["专科检查", "physical_exam"],
  ["查体", "physical_exam"],
  ["辅助检查", "auxiliary_exam"],
  ["实验室检查", "auxiliary_exam"],
  ["影像学检查", "auxiliary_exam"],
  ["检验", "auxiliary_exam"],
  ["入院诊断", "diagnosis"],
  ["初步诊断", "diagnosis"],
  ["出院诊断", "diagnosis"],
  ["术后诊断", "diagnosis"],
  ["诊断", "diagnosis"],
  ["诊疗经过", "treatment"],
  ["治疗经过", "treatment"],
  ["住院经过", "treatment"],
  ["治疗", "treatment"],
  ["手术记录", "surgery"],
  ["手术经过", "surgery"],
  ["手术", "surgery"],
  ["出院带药", "medication"],
  ["用药", "medication"],
  ["出院医嘱", "advice"],
  ["医嘱", "advice"],
  ["出院情况", "outcome"],
  ["转归", "outcome"],
  ["预后", "outcome"]
]
const byHeading = new Map(headingTable)

/** a heading (Chinese, or the canonical key itself) → key */
export const sectionKeyOf = (heading: string): SectionKey | undefined => {
  const h = heading.trim().replace(/[：:]$/, "")
  if ((SectionKeys as ReadonlyArray<string>).includes(h)) return h as SectionKey
  return byHeading.get(h)
}

const headingPattern = new RegExp(
  `(?:^|(?<=[\\n。；;\\s]))(${[...headingTable].map(([h]) => h).sort((a, b) => b.length - a.length).join("|")})\\s*[：:]`,
  "g"
)

/** split text with inline headings; text before the first heading is returned as `preamble` */
export const splitSections = (text: string): { sections: Partial<Record<SectionKey, string>>; preamble: string; headings: number } => {
  const sections: Partial<Record<SectionKey, string>> = {}
  const marks = [...text.matchAll(headingPattern)].map((m) => ({ key: byHeading.get(m[1]!)!, start: m.index!, bodyStart: m.index! + m[0].length }))
  const preamble = (marks.length ? text.slice(0, marks[0]!.start) : text).trim()
  marks.forEach((m, i) => {
    const body = text.slice(m.bodyStart, i + 1 < marks.length ? marks[i + 1]!.start : text.length).trim()
    if (!body) return
    sections[m.key] = sections[m.key] ? `${sections[m.key]}\n${body}` : body
  })
  return { sections, preamble, headings: marks.length }
}

/** map a record's `sections` object (any heading names) to canonical keys; unknown headings go to `unknown` */
export const canonicalSections = (raw: Readonly<Record<string, string>>): { sections: Partial<Record<SectionKey, string>>; unknown: Array<string> } => {
  const sections: Partial<Record<SectionKey, string>> = {}
  const unknown: Array<string> = []
  for (const [h, body] of Object.entries(raw)) {
    const key = sectionKeyOf(h)
    if (!key) {
      unknown.push(h)
      continue
    }
    const t = String(body).trim()
    if (t) sections[key] = sections[key] ? `${sections[key]}\n${t}` : t
  }
  return { sections, unknown }
}
