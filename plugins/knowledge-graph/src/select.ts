/** Choose the KG entries a workflow cares about (a specialty is mostly a selection). */
import { Schema } from "effect"
import type { KgEntry } from "@zaoji/data"

/** a JSON-expressible predicate (configs are hashed, so no functions): field op value */
export const Condition = Schema.Struct({
  field: Schema.String,
  op: Schema.Literal("equals", "contains", "startsWith", "nonEmpty", "minItems"),
  value: Schema.optional(Schema.Union(Schema.String, Schema.Number))
})
export type Condition = typeof Condition.Type

export const Selection = Schema.Struct({
  /** keep entries with any of these departments (exact match on any level) */
  departments: Schema.optional(Schema.Array(Schema.String)),
  bodyParts: Schema.optional(Schema.Array(Schema.String)),
  /** keep entries with exactly these names */
  names: Schema.optional(Schema.Array(Schema.String)),
  /** keep entries whose name contains any keyword */
  keywords: Schema.optional(Schema.Array(Schema.String)),
  /** drop entries whose name contains any of these */
  excludeKeywords: Schema.optional(Schema.Array(Schema.String)),
  /** all must hold */
  where: Schema.optional(Schema.Array(Condition)),
  /** at most this many entries (after the filters, in file order) */
  limit: Schema.optional(Schema.Int.pipe(Schema.positive()))
})
export type Selection = typeof Selection.Type

const holds = (e: KgEntry, c: Condition): boolean => {
  const v = (e as Record<string, unknown>)[c.field]
  const values = Array.isArray(v) ? (v as Array<unknown>).map(String) : v === undefined || v === null ? [] : [String(v)]
  switch (c.op) {
    case "equals":
      return values.some((x) => x === String(c.value))
    case "contains":
      return values.some((x) => x.includes(String(c.value)))
    case "startsWith":
      return values.some((x) => x.startsWith(String(c.value)))
    case "nonEmpty":
      return values.some((x) => x.trim() !== "")
    case "minItems":
      return values.length >= Number(c.value ?? 1)
  }
}

/**
 * Filters combine with AND between kinds; inside departments/bodyParts/names/keywords any match
 * counts. A program can add a `predicate` that a config cannot express.
 */
export const selectEntries = (
  entries: ReadonlyArray<KgEntry>,
  selection: Selection = {},
  predicate?: (e: KgEntry) => boolean
): Array<KgEntry> => {
  const out: Array<KgEntry> = []
  for (const e of entries) {
    if (selection.departments?.length && !e.departments.some((d) => selection.departments!.includes(d))) continue
    if (selection.bodyParts?.length && !e.body_parts.some((d) => selection.bodyParts!.includes(d))) continue
    if (selection.names?.length && !selection.names.includes(e.name)) continue
    if (selection.keywords?.length && !selection.keywords.some((k) => e.name.includes(k))) continue
    if (selection.excludeKeywords?.some((k) => e.name.includes(k))) continue
    if (selection.where && !selection.where.every((c) => holds(e, c))) continue
    if (predicate && !predicate(e)) continue
    out.push(e)
    if (selection.limit !== undefined && out.length >= selection.limit) break
  }
  return out
}
