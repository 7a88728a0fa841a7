/**
 * Format readers that turn a file into a stream of raw rows (parsed but not yet decoded), each
 * tagged with the line it starts on: JSON Lines, JSON arrays and CSV/TSV.
 */
import { createReadStream } from "node:fs"
import { Effect, Option, Stream } from "effect"
import { InputError } from "@zaoji/core"
import { streamLines } from "./lines.js"
import { openError } from "./rowErrors.js"
import { type FileFormat, type RawRow, formatOf, jsonArrayRowsOf, jsonlRow } from "./wholeFileRows.js"

export const jsonlRows = (file: string): Stream.Stream<RawRow, InputError> =>
  streamLines(file).pipe(
    Stream.filter(({ text }) => text.trim() !== ""),
    Stream.map(({ line, text }) => jsonlRow(file, line, text))
  )

export const jsonArrayRows = (file: string): Stream.Stream<RawRow, InputError> =>
  Stream.unwrap(Effect.map(jsonArrayRowsOf(file), Stream.fromIterable))

/**
 * CSV/TSV with a header row, RFC 4180 quoting (quoted separators, doubled quotes, newlines inside
 * quoted fields). Rows become objects keyed by header; a row with the wrong number of columns is
 * a bad row, an unterminated quote fails the file.
 */
export const csvRows = (file: string, delimiter = ","): Stream.Stream<RawRow, InputError> =>
  Stream.suspend(() => {
    let header: Array<string> | undefined
    let prevEnd = 0
    return Stream.acquireRelease(
      Effect.tryPromise({
        try: async () => {
          // the CSV parser loads when a CSV file is read: importing the readers (every dataset
          // stage's definition does) stays cheap
          const { parse: parseCsv } = await import("csv-parse")
          const input = createReadStream(file)
          const parser = parseCsv({ delimiter, bom: true, info: true, relax_column_count: true, skip_empty_lines: true })
          input.on("error", (e) => parser.destroy(e))
          return { input, parser: input.pipe(parser) }
        },
        catch: (e) => openError(file, e)
      }),
      ({ input, parser }) =>
        Effect.sync(() => {
          parser.destroy()
          input.destroy()
        })
    ).pipe(
      Stream.flatMap(({ parser }) =>
        Stream.fromAsyncIterable(
          parser as AsyncIterable<{ record: Array<string>; info: { lines: number } }>,
          (e): InputError => {
            const err = e as { code?: string; lines?: number; message?: string }
            if (err.code === "ENOENT") return openError(file, e)
            const line = err.lines ?? prevEnd + 1
            return new InputError({
              message: `${file}:${line}: invalid CSV (${String(err.message ?? e)})`,
              location: `${file}:${line}`
            })
          }
        )
      ),
      Stream.filterMap(({ record, info }) => {
        const line = prevEnd + 1
        prevEnd = info.lines
        if (header === undefined) {
          header = record.map((h) => h.trim())
          return Option.none()
        }
        if (record.length !== header.length) {
          return Option.some<RawRow>({
            _tag: "Bad",
            error: { file, line, field: "", message: `expected ${header.length} columns (${header.join(", ")}), got ${record.length}` }
          })
        }
        const obj: Record<string, string> = {}
        header.forEach((h, i) => (obj[h] = record[i]!))
        return Option.some<RawRow>({ _tag: "Row", line, value: obj })
      })
    )
  })

export const rawRows = (file: string, format?: FileFormat): Stream.Stream<RawRow, InputError> => {
  switch (formatOf(file, format)) {
    case "json":
      return jsonArrayRows(file)
    case "csv":
      return csvRows(file, ",")
    case "tsv":
      return csvRows(file, "\t")
    case "jsonl":
      return jsonlRows(file)
  }
}
