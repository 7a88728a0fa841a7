/**
 * C-Eval style prompts for single-choice questions:
 *
 *   以下是中国关于{subject}考试的单项选择题，请选出其中的正确答案。\n\n
 *   [k worked examples: {stem}\nA. {A}\nB. {B}…\n答案：{letter}\n\n]
 *   {stem}\nA. {A}\nB. {B}…\n答案：
 *
 * Options whose text is empty do not exist (4-option questions keep `E: ""`) and are not shown.
 */
import type { ExamQuestion } from "@zaoji/data"

export const LETTERS = ["A", "B", "C", "D", "E"] as const
export type Letter = (typeof LETTERS)[number]

/** CMMLU medical subjects by their Chinese names (C-Eval/CMMLU prompts name the subject in Chinese) */
export const SUBJECT_NAMES: Readonly<Record<string, string>> = {
  clinical_knowledge: "临床知识",
  professional_medicine: "专业医学",
  college_medicine: "大学医学",
  anatomy: "解剖学",
  virology: "病毒学",
  nutrition: "营养学",
  college_medical_statistics: "大学医学统计",
  traditional_chinese_medicine: "中医中药",
  genetics: "遗传学"
}

/** the subject shown in the prompt: its Chinese name, the raw subject, or the default */
export const subjectName = (q: ExamQuestion, fallback: string): string =>
  q.subject === "" ? fallback : SUBJECT_NAMES[q.subject] ?? q.subject

/** the letters of the options that exist, in order */
export const optionLetters = (q: ExamQuestion): Array<Letter> =>
  LETTERS.filter((l) => (q.options[l] ?? "").trim() !== "")

/** the breakdown key of a question: its subject, else its source, else "(none)" */
export const subjectKey = (q: ExamQuestion): string => (q.subject !== "" ? q.subject : q.source !== "" ? q.source : "(none)")

const block = (q: ExamQuestion): string =>
  [q.question, ...optionLetters(q).map((l) => `${l}. ${q.options[l]}`)].join("\n") + "\n答案："

/** the prompt for `q` with its worked examples; ends with "答案：" */
export const cevalPrompt = (q: ExamQuestion, shots: ReadonlyArray<ExamQuestion>, defaultSubject: string): string => {
  const head = `以下是中国关于${subjectName(q, defaultSubject)}考试的单项选择题，请选出其中的正确答案。\n\n`
  return head + shots.map((s) => `${block(s)}${s.answer}\n\n`).join("") + block(q)
}

/**
 * k-shot examples for `q`: the first k questions of the example split with the same subject key
 * (file order, as C-Eval takes its dev examples), topped up from the rest of the split in file order
 * when the subject has fewer than k; a question never serves as its own example.
 */
export const pickShots = (q: ExamQuestion, pool: ReadonlyArray<ExamQuestion>, k: number): Array<ExamQuestion> => {
  if (k <= 0) return []
  const key = subjectKey(q)
  const same = pool.filter((p) => p.id !== q.id && subjectKey(p) === key).slice(0, k)
  if (same.length >= k) return same
  const others = pool.filter((p) => p.id !== q.id && subjectKey(p) !== key).slice(0, k - same.length)
  return [...same, ...others]
}
