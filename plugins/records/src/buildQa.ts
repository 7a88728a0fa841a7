/**
 * Record → one Q/A pair. Q = chief complaint + findings (what a patient or a referring doctor
 * knows); A = diagnosis, further checks, surgery, drugs, outcome, each present only when the record
 * supports it. A record that cannot make a usable pair gets a reason instead.
 */
import type { StructuredRecord } from "./structure.js"

export const RejectReasons = ["no-chief-complaint", "no-findings", "no-diagnosis", "answer-too-short", "question-too-long", "duplicate"] as const
export type RejectReason = (typeof RejectReasons)[number]

export interface QaOptions {
  /** "{complaint}" and "{findings}" are filled in */
  readonly questionTemplate?: string
  readonly minAnswerParts?: number
  readonly maxQuestionChars?: number
  readonly maxListItems?: number
  /** cut each section to this many characters (sentence boundary) */
  readonly maxSectionChars?: number
}

export const defaultQuestionTemplate = "患者{complaint}。{findings}请问可能是什么病？还需要做哪些检查，如何治疗？"

export type BuiltQa =
  | { readonly ok: true; readonly question: string; readonly answer: string; readonly parts: ReadonlyArray<string>; readonly diagnosis: string }
  | { readonly ok: false; readonly reason: RejectReason; readonly detail: string }

const clip = (text: string, max: number): string => {
  if (text.length <= max) return text
  const cut = text.slice(0, max)
  const end = Math.max(cut.lastIndexOf("。"), cut.lastIndexOf("；"), cut.lastIndexOf("，"))
  return end > max / 2 ? cut.slice(0, end + 1) : cut
}

const clean = (s: string | undefined): string =>
  (s ?? "")
    .replace(/\s+/g, " ")
    .replace(/^[，,、；;。\s]+/, "")
    .replace(/[，,、；;\s]+$/, "")
    .trim()

const listText = (xs: ReadonlyArray<string>, n: number) => xs.slice(0, n).join("、")

/** the first diagnosis line of a diagnosis section ("1.胆囊结石 2.…" → 胆囊结石、…) */
const diagnosisFromSection = (text: string | undefined): Array<string> =>
  clean(text)
    .split(/\s*(?:\d+[.、．)]|[；;，,\n])\s*/)
    .map((x) => clean(x))
    .filter((x) => x.length >= 2)

const endSentence = (s: string) => (/[。！？]$/.test(s) ? s : `${s}。`)

export const buildQa = (r: StructuredRecord, options: QaOptions = {}): BuiltQa => {
  const max = options.maxSectionChars ?? 160
  const n = options.maxListItems ?? 4
  const s = r.sections
  const complaint = clean(s.chief_complaint)
  if (complaint.length < 2) return { ok: false, reason: "no-chief-complaint", detail: "no 主诉 section and none found in the text" }
  const findings = [s.physical_exam, s.auxiliary_exam].map((x) => clean(clip(clean(x), max))).filter((x) => x.length > 0)
  if (findings.length === 0) return { ok: false, reason: "no-findings", detail: "no 体格检查 / 辅助检查 findings" }
  const diagnoses = r.diagnoses.length ? [...r.diagnoses] : diagnosisFromSection(s.diagnosis)
  if (diagnoses.length === 0) return { ok: false, reason: "no-diagnosis", detail: "no 诊断 section or annotated diagnosis" }

  const parts: Array<string> = []
  const answer: Array<string> = []
  answer.push(`考虑诊断为${listText(diagnoses, n)}。`)
  parts.push("diagnosis")
  if (r.checks.length) {
    answer.push(`建议完善${listText(r.checks, n)}等检查。`)
    parts.push("checks")
  }
  const surgery = r.surgeries.length ? listText(r.surgeries, n) : clean(clip(clean(s.surgery), max))
  if (surgery) {
    answer.push(`需要手术治疗：${endSentence(surgery)}`)
    parts.push("surgery")
  } else if (clean(s.treatment)) {
    answer.push(`治疗：${endSentence(clean(clip(clean(s.treatment), max)))}`)
    parts.push("treatment")
  }
  const drugs = r.drugs.length ? listText(r.drugs, n) : clean(clip(clean(s.medication), max))
  if (drugs) {
    answer.push(`用药：${endSentence(drugs)}`)
    parts.push("drugs")
  }
  const advice = clean(clip(clean(s.advice), max))
  if (advice) {
    answer.push(`医嘱：${endSentence(advice)}`)
    parts.push("advice")
  }
  const outcome = clean(clip(clean(s.outcome), max))
  if (outcome) {
    answer.push(`预后：${endSentence(outcome)}`)
    parts.push("outcome")
  }
  if (parts.length < (options.minAnswerParts ?? 2))
    return { ok: false, reason: "answer-too-short", detail: `only ${parts.join(", ")} supported by the record (need ${options.minAnswerParts ?? 2} parts)` }
  const question = (options.questionTemplate ?? defaultQuestionTemplate)
    .replace("{complaint}", complaint.replace(/。$/, ""))
    .replace("{findings}", findings.map(endSentence).join(""))
  if (question.length > (options.maxQuestionChars ?? 400))
    return { ok: false, reason: "question-too-long", detail: `question has ${question.length} characters (limit ${options.maxQuestionChars ?? 400})` }
  return { ok: true, question, answer: answer.join(""), parts, diagnosis: diagnoses[0]! }
}
