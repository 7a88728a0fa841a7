/**
 * Regenerates the synthetic sample data from facts.ts (deterministic, seeded):
 *
 *   node --import tsx workflows/data/make-sample-data.ts
 *
 * kg.jsonl (the KG layout the loader reads), exam.jsonl (single-choice questions about the same
 * facts), records.jsonl (fictional sectioned records with fake identifiers and numbers for the
 * de-identification and scrubbing to act on), general_qa.jsonl and corpus.txt (pretraining text).
 */
import { writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { seededRandom, seededShuffle } from "@zaoji/data"
import { type Fact, facts, generalQa, generalReading } from "./facts.js"

const here = dirname(fileURLToPath(import.meta.url))
const jsonl = (rows: ReadonlyArray<unknown>) => rows.map((r) => JSON.stringify(r)).join("\n") + "\n"
const rnd = seededRandom(20240601)
const pick = <A>(xs: ReadonlyArray<A>): A => xs[Math.floor(rnd() * xs.length)]!
const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1))
const dept = (f: Fact) => f.departments[f.departments.length - 1]!

// ------------------------------------------------------------------ kg.jsonl
const kg = facts.map((f, i) => ({
  id: `sample-kg-${String(i + 1).padStart(3, "0")}`,
  name: f.name,
  type: "disease",
  departments: f.departments,
  body_parts: f.body_parts,
  symptoms: f.symptoms,
  complications: f.complications,
  drugs: f.drugs,
  checks: f.checks,
  treatments: f.treatments,
  susceptible_population: f.susceptible_population,
  description: f.description,
  cause: f.cause,
  prevention: f.prevention
}))

// ------------------------------------------------------------------ exam.jsonl
type Kind = "symptoms" | "checks" | "drugs" | "complications" | "treatments" | "departments"
const stems: Record<Kind, (n: string) => string> = {
  symptoms: (n) => `${n}的典型症状是`,
  checks: (n) => `诊断${n}常用的检查是`,
  drugs: (n) => `治疗${n}的常用药物是`,
  complications: (n) => `${n}的常见并发症是`,
  treatments: (n) => `${n}的主要治疗方式是`,
  departments: (n) => `${n}患者应到哪个科室就诊`
}
const valueOf = (f: Fact, k: Kind): string | undefined => {
  if (k === "departments") return dept(f)
  const v = f[k][0]
  return v === undefined || v === "多无症状" ? undefined : v
}
const allValues = (f: Fact) => new Set([...f.symptoms, ...f.checks, ...f.drugs, ...f.complications, ...f.treatments, ...f.departments, f.name])
const kinds: ReadonlyArray<Kind> = ["symptoms", "checks", "drugs", "complications", "treatments", "departments"]
const examPlan: Array<[Fact, Kind]> = []
facts.forEach((f, i) => {
  for (let k = 0; k < kinds.length; k++) {
    const kind = kinds[(i + k) % kinds.length]!
    if (valueOf(f, kind)) {
      examPlan.push([f, kind])
      break
    }
  }
})
// nine more, on the facts the records also teach (checks and treatments of surgical diseases)
for (const f of facts.filter((f) => f.surgery).slice(0, 9)) {
  const kind: Kind = examPlan.some(([g, k]) => g === f && k === "checks") ? "treatments" : "checks"
  examPlan.push([f, kind])
}
const exam = examPlan.map(([f, kind], i) => {
  const answer = valueOf(f, kind)!
  const own = allValues(f)
  const pool = [...new Set(facts.filter((g) => g !== f).map((g) => valueOf(g, kind)).filter((v): v is string => v !== undefined && !own.has(v)))]
  const distractors = seededShuffle(pool, 1000 + i).slice(0, 3)
  const options = seededShuffle([answer, ...distractors], 2000 + i)
  const letters = ["A", "B", "C", "D"] as const
  const correct = letters[options.indexOf(answer)]!
  return {
    id: `sample-exam-${String(i + 1).padStart(3, "0")}`,
    source: "synthetic",
    subject: "hepatobiliary",
    question: stems[kind](f.name),
    options: { A: options[0]!, B: options[1]!, C: options[2]!, D: options[3]!, E: "" },
    answer: correct,
    explanation: `${f.name}：${kind === "departments" ? `就诊科室为${answer}` : `${answer}`}。`,
    question_type: "single",
    is_hepatobiliary: true,
    hb_level: "core"
  }
})

// ------------------------------------------------------------------ records.jsonl
const familyNames = ["张", "王", "李", "赵", "刘", "陈", "周", "吴"]
const givenNames = ["晓禾", "青山", "若溪", "明远", "一帆", "子墨", "思源", "嘉树", "星河", "安澜"]
const cities = ["青禾市", "白鹭市", "云杉市", "临川市"]
const streets = ["梧桐路", "银杏街", "松风路", "枫林巷"]
const hospitals = ["青禾市第三人民医院", "白鹭市中心医院", "云杉县人民医院", "临川市妇幼保健院"]
const pad = (n: number, w = 2) => String(n).padStart(w, "0")
const signOf = (f: Fact) =>
  f.symptoms.includes("黄疸") || f.symptoms.includes("无痛性黄疸")
    ? "皮肤巩膜黄染，右上腹压痛"
    : f.body_parts.includes("胆囊")
      ? "右上腹压痛，墨菲征阳性"
      : f.body_parts.includes("胰腺")
        ? "上腹部压痛"
        : f.body_parts.includes("肝脏")
          ? "肝区叩击痛"
          : "腹软，轻压痛"
const labs = [
  (hi: boolean) => `ALT ${hi ? int(80, 260) : int(12, 38)}U/L`,
  (hi: boolean) => `总胆红素${hi ? (30 + rnd() * 90).toFixed(1) : (6 + rnd() * 10).toFixed(1)}μmol/L`,
  (hi: boolean) => `WBC ${hi ? (11 + rnd() * 8).toFixed(1) : (5 + rnd() * 4).toFixed(1)}×10^9/L`
]

/**
 * Four fictional patients per disease (so a held-out patient has a disease the training records
 * also show), each different in what survives de-identification and number scrubbing: the
 * complaint, the general condition, the check, the drug and its route, a comorbidity and the
 * outcome. No two records therefore make the same question or the same answer, and no held-out
 * pair is a copy of a training pair.
 */
const patientsPerDisease = 4
const conditions = ["神志清楚，精神可", "神志清楚，精神稍差", "神志清楚，营养中等", "神志清楚，消瘦面容"]
const durations = [() => `${int(1, 6)}天`, () => `${int(7, 20)}天`, () => `${int(1, 3)}周`, () => `${int(1, 6)}个月`]
const comorbidities = ["", "高血压", "", "2型糖尿病"]
const routes = ["ivgtt bid", "po tid", "po qd", "iv bid"]
const outcomes = [
  (out: string) => `患者恢复良好，于${out}出院。`,
  (out: string) => `患者症状缓解，于${out}好转出院，门诊随访。`,
  (out: string) => `患者病情稳定，于${out}出院，嘱按时复诊。`,
  (out: string) => `患者痊愈，于${out}出院。`
]
/** the chief complaint's symptoms of patient `j`: a different selection for each patient */
const complaintOf = (f: Fact, j: number): string => {
  const real = f.symptoms.filter((s) => s !== "多无症状")
  // (a sign such as 墨菲征阳性 right after 患者 would read as a name to the de-identification's
  // residual scan, so the last-listed symptom never leads)
  const choice = [real.slice(0, 2), real.slice(0, 1), real.slice(1, 3), [real[0], real[real.length - 1]]][j]!
  return [...new Set(choice.filter((s): s is string => s !== undefined))].join("、")
}

interface Patient {
  readonly f: Fact
  readonly j: number
  /** what makes the record unusable (no findings / no diagnosis), for the rejected file */
  readonly broken?: "no-findings" | "no-diagnosis"
}
const patients: Array<Patient> = facts.flatMap((f) => Array.from({ length: patientsPerDisease }, (_, j) => ({ f, j })))
// two more records that cannot make a usable pair, so the rejected file is exercised
patients.push({ f: facts[5]!, j: 0, broken: "no-findings" }, { f: facts[11]!, j: 1, broken: "no-diagnosis" })

const records = patients.map(({ f, j, broken }, i) => {
  const name = `${pick(familyNames)}${pick(givenNames)}`
  const gender = i % 2 ? "女" : "男"
  const age = int(28, 76)
  const year = 2021 + (i % 3)
  const month = 1 + (i % 12)
  const day = 1 + ((i * 7) % 27)
  const onset = `${year}年${month}月${day}日`
  const admit = `${year}-${pad(month)}-${pad(Math.min(day + 3, 28))}`
  const op = `${year}.${month}.${Math.min(day + 5, 28)}`
  const out = `${year}年${month}月${Math.min(day + 12, 28)}日`
  const idCard = `990${pad(int(10, 99))}${int(1, 9)}${1950 + int(0, 40)}${pad(int(1, 12))}${pad(int(1, 28))}${int(100, 999)}${pick(["1", "3", "X"])}`
  const phone = `139${pad(int(0, 99))}00${pad(int(0, 99))}${pad(int(0, 99))}`
  const city = pick(cities)
  const address = `虚构省${city}白鹭区${pick(streets)}${int(1, 199)}号`
  const admission = `ZY${year}${pad(int(1000, 9999), 4)}`
  const hi = !f.symptoms.includes("多无症状")
  const size = `${(1 + rnd() * 5).toFixed(1)}×${(0.8 + rnd() * 3).toFixed(1)}cm`
  const check = f.checks[j % f.checks.length]!
  const drug = f.drugs.length ? f.drugs[j % f.drugs.length] : undefined
  const dose = drug ? `${drug} ${pick([0.25, 0.5, 1, 2, 250, 500])}${pick(["g", "mg"])} ${routes[j]}` : undefined
  const complaint = complaintOf(f, j)
  const sections: Record<string, string> = {
    主诉: `${complaint || "体检发现异常"}${durations[j]!()}`,
    现病史:
      `患者${name}，${gender}，${age}岁，身份证号${idCard}，住址${address}，住院号：${admission}。` +
      `患者于${onset}${complaint ? `无明显诱因出现${complaint}` : "体检时发现异常"}，曾在${pick(hospitals)}就诊，` +
      `症状未见缓解。${admit}为进一步诊治来我院，门诊以“${f.name}”收入${dept(f)}。联系电话${phone}。`,
    既往史: comorbidities[j] ? `有${comorbidities[j]}病史，规律服药。` : "既往体健，否认药物过敏史。",
    体格检查: `体温${(36.5 + (hi ? rnd() * 2.4 : rnd() * 0.6)).toFixed(1)}℃，脉搏${int(70, 110)}次/分。${conditions[j]}，${signOf(f)}。`,
    辅助检查: `${check}示${f.body_parts[0]}病变，大小约${size}；${labs.map((l) => l(hi && f.symptoms.some((s) => /黄疸|发热|高热/.test(s)))).join("，")}。`,
    诊断: `1.${f.name}${comorbidities[j] ? ` 2.${comorbidities[j]}` : ""}`
  }
  if (f.surgery) sections["手术记录"] = `于${op}在全麻下行${f.surgery}，术中出血约${int(20, 400)}ml，手术顺利。`
  else sections["治疗经过"] = `入院后给予${f.treatments.slice(0, 2).join("、")}。`
  if (dose) sections["用药"] = dose
  sections["出院医嘱"] = `${f.prevention}定期复查${check}。`
  sections["转归"] = outcomes[j]!(out)
  if (broken === "no-findings") delete sections["辅助检查"], delete sections["体格检查"]
  if (broken === "no-diagnosis") delete sections["诊断"]
  const id = `sample-rec-${pad(i + 1, 3)}`
  // every fourth record is free text with headings, as exported by many record systems
  if (i % 4 === 3) return { id, department: dept(f), text: Object.entries(sections).map(([h, t]) => `${h}：${t}`).join("\n") }
  return { id, department: dept(f), sections }
})

// ------------------------------------------------------------------ general_qa.jsonl
const general = generalQa.map(([q, a], i) => ({ id: `sample-general-${pad(i + 1, 3)}`, question: q, answer: a, source: "general" }))

// ------------------------------------------------------------------ corpus.txt
// The facts as a textbook would state them, and everyday knowledge as plain statements: no line is
// a QA pair or a generated answer (so no held-out QA pair is ever trained on, pretraining included)
const corpus: Array<string> = []
for (const f of facts) {
  corpus.push(`${f.description}${f.name}多见于${f.susceptible_population}。`)
  corpus.push(`${f.name}的常见症状有${f.symptoms.join("、")}。${f.name}的病因：${f.cause}`)
  corpus.push(`${f.name}常用的检查有${f.checks.join("、")}。${f.name}的治疗方式有${f.treatments.join("、")}。`)
  if (f.drugs.length) corpus.push(`治疗${f.name}的常用药物有${f.drugs.join("、")}。`)
  corpus.push(`${f.name}的并发症有${f.complications.join("、")}。${f.name}患者应到${dept(f)}就诊。`)
  corpus.push(`预防${f.name}：${f.prevention}`)
}
corpus.push(...generalReading)
for (const line of corpus)
  for (const [q, a] of generalQa)
    if (line.includes(q) || line.includes(a)) throw new Error(`corpus line states a general QA pair verbatim: ${line}`)

writeFileSync(join(here, "kg.jsonl"), jsonl(kg))
writeFileSync(join(here, "exam.jsonl"), jsonl(exam))
writeFileSync(join(here, "records.jsonl"), jsonl(records))
writeFileSync(join(here, "general_qa.jsonl"), jsonl(general))
writeFileSync(join(here, "corpus.txt"), corpus.join("\n") + "\n")
console.log(`kg ${kg.length}, exam ${exam.length}, records ${records.length}, general ${general.length}, corpus lines ${corpus.length}`)
