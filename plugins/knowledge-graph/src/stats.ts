/** Counts per department and per relation, for the load report and stratified splits. */
import { KgListRelations, KgTextRelations, type KgEntry } from "@zaoji/data"

export interface KgStats {
  readonly entries: number
  /** entries per department (an entry counts once per department it lists) */
  readonly byDepartment: Record<string, number>
  /** relation → number of values (list relations) or entries having it (text relations) */
  readonly byRelation: Record<string, number>
}

export const kgStats = (entries: ReadonlyArray<KgEntry>): KgStats => {
  const byDepartment: Record<string, number> = {}
  const byRelation: Record<string, number> = {}
  for (const e of entries) {
    for (const d of new Set(e.departments)) byDepartment[d] = (byDepartment[d] ?? 0) + 1
    for (const r of KgListRelations) if (e[r].length) byRelation[r] = (byRelation[r] ?? 0) + e[r].length
    for (const r of KgTextRelations) if (e[r].trim()) byRelation[r] = (byRelation[r] ?? 0) + 1
  }
  return { entries: entries.length, byDepartment, byRelation }
}
