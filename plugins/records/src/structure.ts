/**
 * Bring the three input layouts to one shape: canonical sections plus entity lists. The annotated
 * narrative layout (Yidu-S4K style) has no headings: its chief complaint and findings are parsed
 * out of the text and its diagnoses/surgeries/drugs come from the annotations.
 */
import type { ClinicalRecord } from "@zaoji/data"
import { type SectionKey, canonicalSections, splitSections } from "./sections.js"

export type Layout = "sections" | "text" | "narrative"

export interface StructuredRecord {
  readonly id: string
  readonly department: string | undefined
  readonly layout: Layout
  sections: Partial<Record<SectionKey, string>>
  /** from annotations, when present */
  readonly diagnoses: ReadonlyArray<string>
  readonly surgeries: ReadonlyArray<string>
  readonly drugs: ReadonlyArray<string>
  readonly checks: ReadonlyArray<string>
  readonly unknownHeadings: ReadonlyArray<string>
}

const uniq = (xs: ReadonlyArray<string>) => [...new Set(xs.map((x) => x.trim()).filter((x) => x !== ""))]

const sentences = (text: string): Array<string> =>
  text
    .split(/(?<=[。；;！!？?\n])/)
    .map((s) => s.replace(/^[，,、\s]+/, "").trim())
    .filter((s) => s.length > 1)

/** chief complaint from a narrative: the reason for the visit, else the first symptom clause */
export const narrativeComplaint = (text: string): string | undefined => {
  const reason = /(?:患者)?因[“"]?([^，。；“”"]{2,40}?)[”"]?(?:于|在|而|来|入|就诊|收|行|，)/.exec(text)
  if (reason) return reason[1]!.trim()
  const symptom = /((?:出现|发现|感|自觉|诉)[^。；]{2,40})/.exec(text)
  return symptom ? symptom[1]!.replace(/[，,]$/, "").trim() : undefined
}

const FINDING = /(CT|MRI|B超|彩超|超声|增强|平扫|造影|胃镜|肠镜|病理|检查|化验)[^。；]*?(示|提示|显示|见)/

export const narrativeFindings = (text: string, max = 2): string | undefined => {
  const found: Array<string> = []
  for (const s of sentences(text)) {
    const m = FINDING.exec(s)
    if (!m) continue
    // start at the clause that names the examination, not at the sentence's opening clauses
    const clauseStart = Math.max(s.lastIndexOf("，", m.index), s.lastIndexOf(",", m.index)) + 1
    found.push(s.slice(clauseStart).trim())
    if (found.length >= max) break
  }
  return found.length ? found.join("") : undefined
}

const OUTCOME = /(恢复良好|好转|痊愈|病情稳定|顺利出院|治愈|无特殊不适)/

export const narrativeOutcome = (text: string): string | undefined => sentences(text).find((s) => OUTCOME.test(s))

export const structure = (r: ClinicalRecord): StructuredRecord => {
  const annotated = {
    diagnoses: uniq(r.diagnoses ?? (r.entities ?? []).filter((e) => e.type === "疾病和诊断").map((e) => r.text!.slice(e.start, e.end))),
    surgeries: uniq(r.surgeries ?? (r.entities ?? []).filter((e) => e.type === "手术").map((e) => r.text!.slice(e.start, e.end))),
    drugs: uniq(r.drugs ?? (r.entities ?? []).filter((e) => e.type === "药物").map((e) => r.text!.slice(e.start, e.end))),
    checks: uniq([
      ...(r.imaging_exams ?? (r.entities ?? []).filter((e) => e.type === "影像检查").map((e) => r.text!.slice(e.start, e.end))),
      ...(r.lab_tests ?? (r.entities ?? []).filter((e) => e.type === "实验室检验").map((e) => r.text!.slice(e.start, e.end)))
    ])
  }
  if (r.sections) {
    const { sections, unknown } = canonicalSections(r.sections)
    return { id: r.id, department: r.department, layout: "sections", sections, ...annotated, unknownHeadings: unknown }
  }
  const text = r.text ?? ""
  const split = splitSections(text)
  // an annotated narrative may mention "诊断：" once in passing; only real section structure counts
  const annotatedText = (r.entities?.length ?? 0) > 0 || r.diagnoses !== undefined
  if (split.headings >= 2 || (split.headings > 0 && !annotatedText)) {
    const sections = { ...split.sections }
    if (split.preamble && !sections.present_illness) sections.present_illness = split.preamble
    return { id: r.id, department: r.department, layout: "text", sections, ...annotated, unknownHeadings: [] }
  }
  const sections: Partial<Record<SectionKey, string>> = { present_illness: text.trim() }
  const cc = narrativeComplaint(text)
  if (cc) sections.chief_complaint = cc
  const findings = narrativeFindings(text)
  if (findings) sections.auxiliary_exam = findings
  const outcome = narrativeOutcome(text)
  if (outcome) sections.outcome = outcome
  return { id: r.id, department: r.department, layout: "narrative", sections, ...annotated, unknownHeadings: [] }
}
