/**
 * The offline QA generator: several question phrasings per relation, answers assembled from the
 * entry's own content. Deterministic: which phrasings are used depends only on the entity, the
 * relation and the seed, never on the order of the file.
 */
import { type KgEntry, type QaPair, hash32 } from "@zaoji/data"
import { type Relation, isListRelation } from "./relations.js"

interface RelationTemplate {
  readonly questions: ReadonlyArray<string>
  /** `{name}` and `{value}` (list joined with 、 or the text) */
  readonly answer: string
}

/** default phrasings; a workflow may replace any of them through the stage config */
export const defaultTemplates: Record<Relation, RelationTemplate> = {
  symptoms: {
    questions: ["{name}有哪些症状？", "{name}的主要表现是什么？", "得了{name}会出现什么症状？", "{name}的临床表现有哪些？"],
    answer: "{name}的常见症状有{value}。"
  },
  cause: { questions: ["{name}是什么原因引起的？", "{name}的病因是什么？", "为什么会得{name}？"], answer: "{value}" },
  complications: {
    questions: ["{name}有哪些并发症？", "{name}会引起什么并发症？", "{name}可能并发哪些疾病？"],
    answer: "{name}的并发症有{value}。"
  },
  checks: {
    questions: ["{name}需要做哪些检查？", "怎么检查{name}？", "诊断{name}常用什么检查？", "怀疑{name}应该做什么检查？"],
    answer: "{name}常用的检查有{value}。"
  },
  drugs: {
    questions: ["{name}吃什么药？", "{name}常用哪些药物？", "治疗{name}用什么药？"],
    answer: "{name}的常用药物有{value}。"
  },
  treatments: {
    questions: ["{name}怎么治疗？", "{name}的治疗方法有哪些？", "得了{name}如何治疗？"],
    answer: "{name}的治疗方式有{value}。"
  },
  departments: {
    questions: ["{name}应该看哪个科？", "{name}挂什么科？", "{name}属于哪个科室？"],
    answer: "{name}应到{value}就诊。"
  },
  body_parts: { questions: ["{name}发生在哪个部位？", "{name}累及哪个部位？"], answer: "{name}的发病部位是{value}。" },
  prevention: { questions: ["如何预防{name}？", "{name}怎么预防？", "预防{name}要注意什么？"], answer: "{value}" },
  description: { questions: ["什么是{name}？", "{name}是什么病？", "请介绍一下{name}。"], answer: "{value}" },
  symptom_detail: { questions: ["{name}的症状具体是怎样的？", "详细说说{name}的症状。"], answer: "{value}" },
  nursing: { questions: ["{name}患者如何护理？", "{name}的护理要点是什么？"], answer: "{value}" },
  susceptible_population: { questions: ["哪些人容易得{name}？", "{name}的易感人群是哪些？"], answer: "{name}的易感人群：{value}。" },
  transmission: { questions: ["{name}会传染吗？", "{name}的传染方式是什么？"], answer: "{name}：{value}。" },
  cure_rate: { questions: ["{name}能治好吗？", "{name}的治愈率是多少？"], answer: "{name}的治愈率约为{value}。" },
  treatment_cycle: { questions: ["{name}要治疗多久？", "{name}的治疗周期是多长？"], answer: "{name}的治疗周期一般为{value}。" },
  good_foods: { questions: ["{name}患者宜吃什么？", "{name}吃什么好？"], answer: "{name}患者宜吃{value}。" },
  avoid_foods: { questions: ["{name}患者不能吃什么？", "{name}忌吃什么？"], answer: "{name}患者忌吃{value}。" }
}

export const defaultRelations: ReadonlyArray<Relation> = [
  "symptoms",
  "cause",
  "complications",
  "checks",
  "drugs",
  "treatments",
  "departments",
  "prevention",
  "description"
]

export interface TemplateOptions {
  readonly relations?: ReadonlyArray<Relation>
  /** phrasings used per (entity, relation); capped by how many the template has */
  readonly phrasings?: number
  /** at most this many pairs per entity (relations in the given order) */
  readonly perEntity?: number
  /** at most this many list items in an answer (keeps answers short for small models) */
  readonly maxListItems?: number
  readonly seed?: number
  readonly templates?: Partial<Record<Relation, Partial<RelationTemplate>>>
}

const fill = (t: string, name: string, value: string) => t.replaceAll("{name}", name).replaceAll("{value}", value)

/** the value of a relation as answer text, or undefined when the entry has none */
export const relationValue = (e: KgEntry, r: Relation, maxListItems = 8): string | undefined => {
  if (isListRelation(r)) {
    const list = e[r].filter((x) => x.trim() !== "").slice(0, maxListItems)
    return list.length ? list.join("、") : undefined
  }
  const text = (e[r] ?? "").trim()
  return text ? text : undefined
}

export const templateQa = (entries: ReadonlyArray<KgEntry>, options: TemplateOptions = {}): Array<QaPair> => {
  const relations = options.relations ?? defaultRelations
  const phrasings = options.phrasings ?? 2
  const seed = options.seed ?? 0
  const out: Array<QaPair> = []
  for (const e of entries) {
    let forEntity = 0
    const department = e.departments[e.departments.length - 1]
    for (const r of relations) {
      const value = relationValue(e, r, options.maxListItems)
      if (value === undefined) continue
      const tpl = { ...defaultTemplates[r], ...options.templates?.[r] }
      const qs = tpl.questions
      const start = hash32(`${seed}|${e.name}|${r}`) % qs.length
      for (let k = 0; k < Math.min(phrasings, qs.length); k++) {
        if (options.perEntity !== undefined && forEntity >= options.perEntity) break
        const q = qs[(start + k) % qs.length]!
        out.push({
          id: `kg-template:${e.name}:${r}:${k}`,
          question: fill(q, e.name, value),
          answer: fill(tpl.answer!, e.name, value),
          source: "kg-template",
          relation: r,
          entity: e.name,
          department,
          sensitive: false
        })
        forEntity++
      }
    }
  }
  return out
}
