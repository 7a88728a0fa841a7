/**
 * The relation vocabulary: KgEntry field ↔ Chinese label ↔ the names plain triples use for it.
 * Triples with a relation not listed here are kept under `extra` of nothing: they are reported and
 * skipped, so a typo in a triple file is visible instead of silently dropped.
 */
import type { KgListRelation, KgTextRelation } from "@zaoji/data"

export type Relation = KgListRelation | KgTextRelation

export const relationLabel: Record<Relation, string> = {
  departments: "就诊科室",
  body_parts: "发病部位",
  symptoms: "症状",
  complications: "并发症",
  drugs: "常用药物",
  checks: "检查",
  treatments: "治疗方式",
  good_foods: "宜吃食物",
  avoid_foods: "忌吃食物",
  description: "概述",
  cause: "病因",
  prevention: "预防",
  symptom_detail: "症状详述",
  nursing: "护理",
  susceptible_population: "易感人群",
  transmission: "传染方式",
  cure_rate: "治愈率",
  treatment_cycle: "治疗周期"
}

/** triple relation names (lower-cased) → entry field */
const aliases: Record<string, Relation> = {}
const alias = (field: Relation, ...names: Array<string>) => {
  for (const n of [field, relationLabel[field], ...names]) aliases[n.toLowerCase()] = field
}
alias("departments", "department", "belongs_to", "科室", "所属科室")
alias("body_parts", "body_part", "部位", "发病部位")
alias("symptoms", "symptom", "has_symptom", "症状")
alias("complications", "complication", "acompany_with", "has_complication", "并发症")
alias("drugs", "drug", "common_drug", "recommand_drug", "用药", "药物", "常用药品")
alias("checks", "check", "need_check", "检查项目")
alias("treatments", "treatment", "cure_way", "treat_way", "治疗", "治疗方法")
alias("good_foods", "good_food", "do_eat", "宜吃")
alias("avoid_foods", "avoid_food", "no_eat", "忌吃")
alias("description", "desc", "简介")
alias("cause", "病因")
alias("prevention", "prevent", "预防措施")
alias("symptom_detail")
alias("nursing", "护理")
alias("susceptible_population", "easy_get", "易感人群")
alias("transmission", "传染性")
alias("cure_rate", "cured_prob", "cure_prob")
alias("treatment_cycle", "cure_lasttime", "treat_cycle")

export const relationOf = (name: string): Relation | undefined => aliases[name.trim().toLowerCase()]

export const isListRelation = (r: Relation): r is KgListRelation =>
  ["departments", "body_parts", "symptoms", "complications", "drugs", "checks", "treatments", "good_foods", "avoid_foods"].includes(r)
