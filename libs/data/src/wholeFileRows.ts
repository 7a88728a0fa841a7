/**
 * Format readers that read a file whole into raw rows (parsed but not yet decoded), each tagged
 * with the line it starts on: JSON Lines and JSON arrays. No Stream here: the streaming readers
 * (./rawRows.ts, with CSV/TSV) load only where a file is streamed.
 */
import { readFile } from "node:fs/promises"
import { extname } from "node:path"
import { Effect } from "effect"
import { errorMessage, InputError } from "@zaoji/core"
import { openError, type RowError } from "./rowErrors.js"

export type RawRow =
  | { readonly _tag: "Row"; readonly line: number; readonly value: unknown }
  | { readonly _tag: "Bad"; readonly error: RowError }

export type FileFormat = "jsonl" | "json" | "csv" | "tsv"

export const formatOf = (file: string, explicit?: FileFormat): FileFormat => {
  if (explicit) return explicit
  switch (extname(file).toLowerCase()) {
    case ".json":
      return "json"
    case ".csv":
      return "csv"
    case ".tsv":
      return "tsv"
    default:
      return "jsonl"
  }
}

/**
 * The rows of a JSON Lines file, or of a JSON array, read whole: what `rawRows` streams, for a
 * reader that keeps every row anyway (`readRows`). A Stream's first use in a process costs tens
 * of milliseconds, far more than reading a dataset of the size planning checks. `undefined` for
 * CSV/TSV, which are only streamed.
 */
export const wholeFileRows = (file: string, format?: FileFormat): Effect.Effect<ReadonlyArray<RawRow>, InputError> | undefined => {
  switch (formatOf(file, format)) {
    case "json":
      return jsonArrayRowsOf(file)
    case "jsonl":
      return Effect.map(readText(file), (text) => {
        const rows: Array<RawRow> = []
        splitLines(text).forEach((raw, i) => {
          // a UTF-8 BOM on the first line is an editor artefact, not data (as streamLines strips it)
          const line = i === 0 ? raw.replace(/^\uFEFF/, "") : raw
          if (line.trim() !== "") rows.push(jsonlRow(file, i + 1, line))
        })
        return rows
      })
    default:
      return undefined
  }
}

/** the elements of a JSON array file as raw rows, each with the line it starts on */
export const jsonArrayRowsOf = (file: string): Effect.Effect<ReadonlyArray<RawRow>, InputError> =>
  Effect.gen(function* () {
    const text = yield* readText(file)
    const body = text.replace(/^\uFEFF/, "")
    const spans = topLevelElements(body)
    if (spans === undefined) {
      let where = 1
      try {
        JSON.parse(body)
      } catch (e) {
        const m = /position (\d+)/.exec(errorMessage(e))
        if (m) where = body.slice(0, Number(m[1])).split("\n").length
      }
      return yield* Effect.fail(
        new InputError({ message: `${file}:${where}: expected a JSON array of objects`, location: `${file}:${where}` })
      )
    }
    let line = 1
    let pos = 0
    const rows: Array<RawRow> = spans.map(({ start, end }) => {
      for (; pos < start; pos++) if (body.charCodeAt(pos) === 10) line++
      try {
        return { _tag: "Row", line, value: JSON.parse(body.slice(start, end)) }
      } catch (e) {
        return { _tag: "Bad", error: { file, line, field: "", message: `expected a JSON value (${shortJsonError(e)})` } }
      }
    })
    return rows
  })

/** one line of a JSON Lines file as a raw row */
export const jsonlRow = (file: string, line: number, text: string): RawRow => {
  try {
    return { _tag: "Row", line, value: JSON.parse(text) }
  } catch (e) {
    return { _tag: "Bad", error: { file, line, field: "", message: `expected one JSON object per line (${shortJsonError(e)})` } }
  }
}

// internal

const shortJsonError = (e: unknown): string => String((e as Error)?.message ?? e).replace(/\s+/g, " ")

/**
 * Start offsets of the top-level elements of a JSON array, found by a scan that tracks strings and
 * nesting, so that each element can be reported by line.
 */
const topLevelElements = (text: string): Array<{ start: number; end: number }> | undefined => {
  let i = 0
  while (i < text.length && /\s/.test(text[i]!)) i++
  if (text[i] !== "[") return undefined
  const out: Array<{ start: number; end: number }> = []
  let depth = 0
  let inString = false
  let start = -1
  for (; i < text.length; i++) {
    const c = text[i]!
    if (inString) {
      if (c === "\\") i++
      else if (c === '"') inString = false
      continue
    }
    if (c === '"') {
      inString = true
      if (depth === 1 && start < 0) start = i
    } else if (c === "[" || c === "{") {
      if (depth === 1 && start < 0) start = i
      depth++
    } else if (c === "]" || c === "}") {
      depth--
      if (depth === 0) {
        if (start >= 0) out.push({ start, end: i })
        return out
      }
    } else if (c === "," && depth === 1) {
      if (start >= 0) out.push({ start, end: i })
      start = -1
    } else if (depth === 1 && start < 0 && !/\s/.test(c)) start = i
  }
  return undefined
}

const readText = (file: string): Effect.Effect<string, InputError> =>
  Effect.tryPromise({ try: () => readFile(file, "utf8"), catch: (e) => openError(file, e) })

/** lines as node:readline splits them (\r\n, \n or a lone \r); no line after a final line break */
const splitLines = (text: string): Array<string> => {
  const lines = text.split(/\r\n|\n|\r/)
  if (lines[lines.length - 1] === "") lines.pop()
  return lines
}
