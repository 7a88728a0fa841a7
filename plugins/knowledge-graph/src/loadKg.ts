/**
 * Load a KG file (JSON Lines, JSON array or CSV/TSV) into KgEntry rows. Two row shapes are
 * understood: disease entries (the xywy-derived layout, possibly renamed through `fieldMap`) and
 * plain (head, relation, tail) triples, which are folded into one entry per head.
 */
import { Chunk, Effect, Schema, Stream } from "effect"
import { InputError } from "@zaoji/core"
import {
  type ErrorPolicy,
  type FileFormat,
  KgEntry,
  KgTriple,
  type ReadResult,
  type RowError,
  checkErrorRatio,
  readRows
} from "@zaoji/data"
import { streamRows } from "@zaoji/data/stream"
import { isListRelation, relationOf } from "./relations.js"

export interface LoadKgOptions extends ErrorPolicy {
  readonly format?: FileFormat
  /** "entries" (default), "triples", or "auto": triples when a row has head/relation/tail */
  readonly layout?: "entries" | "triples" | "auto"
  /** source field → KgEntry field (e.g. { disease: "name", 科室: "departments" }) */
  readonly fieldMap?: Readonly<Record<string, string>>
  /** how a list is written inside one CSV cell (default: any of ；;|、,，) */
  readonly listSeparator?: string
  /** how the file is named in messages */
  readonly displayName?: string
}

export interface LoadedKg {
  readonly entries: Array<KgEntry>
  readonly total: number
  readonly bad: number
  readonly errors: Array<RowError>
}

const LIST_FIELDS = new Set(["departments", "body_parts", "symptoms", "complications", "drugs", "checks", "treatments", "good_foods", "avoid_foods"])

const splitter = (sep: string | undefined) => (s: string): Array<string> =>
  (sep !== undefined ? s.split(sep) : s.split(/[；;|、,，]/)).map((x) => x.trim()).filter((x) => x !== "")

/** rename fields and turn CSV cells into the types the schema expects */
const reshape = (options: LoadKgOptions) => {
  const split = splitter(options.listSeparator)
  return (raw: unknown): unknown => {
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return raw
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      const target = options.fieldMap?.[k] ?? k
      if (typeof v === "string" && LIST_FIELDS.has(target)) {
        // a CSV cell, or a JSON string that holds a list
        const t = v.trim()
        out[target] = t.startsWith("[") ? JSON.parse(t) : split(t)
      } else out[target] = v
    }
    return out
  }
}

/** triples when most of the first rows decode as (head, relation, tail) */
const sniffTriples = (file: string, options: LoadKgOptions): Effect.Effect<boolean, InputError> =>
  Effect.map(
    Stream.runCollect(Stream.take(streamRows(file, KgTriple, { format: options.format, map: reshape(options) }), 20)),
    (rows) => {
      const all = Chunk.toReadonlyArray(rows)
      return all.length > 0 && all.filter((r) => r._tag === "Row").length * 2 >= all.length
    }
  )

/** fold triples into entries, first-seen order of heads, values de-duplicated */
const foldTriples = (file: string, rows: ReadResult<KgTriple>): { entries: Array<KgEntry>; errors: Array<RowError> } => {
  const byHead = new Map<string, Record<string, unknown>>()
  const errors: Array<RowError> = []
  rows.rows.forEach((t, i) => {
    const field = relationOf(t.relation)
    if (field === undefined) {
      errors.push({ file, line: rows.lines[i]!, field: "relation", message: `unknown relation "${t.relation}" (expected e.g. 症状, 并发症, 检查, 常用药物, 治疗方式, 就诊科室, 病因, 预防)` })
      return
    }
    const e = byHead.get(t.head) ?? { name: t.head }
    byHead.set(t.head, e)
    if (isListRelation(field)) {
      const list = (e[field] as Array<string> | undefined) ?? []
      if (!list.includes(t.tail)) list.push(t.tail)
      e[field] = list
    } else {
      e[field] = e[field] ? `${e[field]}${t.tail}` : t.tail
    }
  })
  const entries = [...byHead.values()].map((e) => KgEntryDecode(e))
  return { entries, errors }
}

// triples produce only valid shapes; decoding fills the defaults
const KgEntryDecode = Schema.decodeUnknownSync(KgEntry)

export const loadKg = (file: string, options: LoadKgOptions = {}): Effect.Effect<LoadedKg, InputError> =>
  Effect.gen(function* () {
    const name = options.displayName ?? file
    const layout = options.layout === "auto" || options.layout === undefined ? ((yield* sniffTriples(file, options)) ? "triples" : "entries") : options.layout
    if (layout === "triples") {
      const rows = yield* readRows(file, KgTriple, { format: options.format, map: reshape(options), maxErrorRatio: 1, displayName: name })
      const { entries, errors } = foldTriples(name, rows)
      const all = [...rows.errors, ...errors]
      const result = { rows: entries, lines: [], errors: all, total: rows.total, bad: rows.bad + errors.length }
      const failure = checkErrorRatio(name, result, options)
      if (failure) return yield* Effect.fail(failure)
      return { entries, total: rows.total, bad: result.bad, errors: all }
    }
    const rows = yield* readRows(file, KgEntry, { format: options.format, map: reshape(options), maxErrorRatio: options.maxErrorRatio, displayName: name })
    // a KG names each disease once; a repeat would double its QA pairs
    const seen = new Set<string>()
    const entries: Array<KgEntry> = []
    const errors = [...rows.errors]
    rows.rows.forEach((e, i) => {
      if (seen.has(e.name)) errors.push({ file: name, line: rows.lines[i]!, field: "name", message: `duplicate entity "${e.name}" (kept the first)` })
      else {
        seen.add(e.name)
        entries.push(e)
      }
    })
    if (entries.length === 0)
      return yield* Effect.fail(new InputError({ message: `${name}: no usable KG entries (expected rows with at least a "name")`, location: name }))
    return { entries, total: rows.total, bad: rows.bad, errors }
  })
