/** Read and Schema-decode a dataset file, with bad rows reported and counted. */
import { Effect, ParseResult, Schema } from "effect"
import type { InputError } from "@zaoji/core"
import { type FileFormat, type RawRow, wholeFileRows } from "./wholeFileRows.js"
import { type ErrorPolicy, type ReadResult, type RowError, checkErrorRatio, rowErrorsFromParse } from "./rowErrors.js"

export type DecodedRow<A> =
  | { readonly _tag: "Row"; readonly line: number; readonly value: A }
  | { readonly _tag: "Bad"; readonly errors: ReadonlyArray<RowError> }

export interface ReadOptions<I = unknown> extends ErrorPolicy {
  readonly format?: FileFormat
  /** reshape a raw row before decoding (field mapping, CSV list splitting) */
  readonly map?: (raw: any) => I
  /** how the file is named in messages (default: the path as given) */
  readonly displayName?: string
}

/**
 * Read a whole file into memory (datasets here are small; the full KG is fine too) and fail with
 * an InputError naming file:line:field when more than `maxErrorRatio` of the rows are bad.
 */
export const readRows = <A, I>(
  file: string,
  schema: Schema.Schema<A, I>,
  options: ReadOptions = {}
): Effect.Effect<ReadResult<A>, InputError> =>
  Effect.gen(function* () {
    const result: ReadResult<A> = { rows: [], lines: [], errors: [], total: 0, bad: 0 }
    const add = (row: DecodedRow<A>) => {
      ;(result as { total: number }).total++
      if (row._tag === "Row") {
        result.rows.push(row.value)
        result.lines.push(row.line)
      } else {
        ;(result as { bad: number }).bad++
        // keep the report bounded on a file where every row is bad
        if (result.errors.length < 1000) result.errors.push(...row.errors)
      }
    }
    // JSON and JSON Lines are read whole (every row is kept anyway), without a Stream; CSV is
    // streamed, by the streaming readers loaded for it
    const whole = wholeFileRows(file, options.format)
    if (whole !== undefined) {
      const decode = rowDecoder(file, schema, options)
      for (const raw of yield* whole) add(decode(raw))
    } else yield* Effect.flatMap(Effect.promise(() => import("./streamRows.js")), (m) => m.forEachRow(file, schema, options, add))
    const failure = checkErrorRatio(options.displayName ?? file, result, options)
    if (failure) return yield* Effect.fail(failure)
    return result
  })

/** a raw row → decoded with the schema (after `options.map`), bad rows naming the file as `displayName` */
export const rowDecoder = <A, I>(file: string, schema: Schema.Schema<A, I>, options: ReadOptions) => {
  const name = options.displayName ?? file
  const decode = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "ignore" })
  return (raw: RawRow): DecodedRow<A> => {
    if (raw._tag === "Bad") return { _tag: "Bad", errors: [{ ...raw.error, file: name }] }
    let value: unknown = raw.value
    if (options.map) {
      try {
        value = options.map(value)
      } catch (e) {
        return { _tag: "Bad", errors: [{ file: name, line: raw.line, field: "", message: String((e as Error)?.message ?? e) }] }
      }
    }
    const r = decode(value)
    if (r._tag === "Right") return { _tag: "Row", line: raw.line, value: r.right }
    return { _tag: "Bad", errors: rowErrorsFromParse(name, raw.line, r.left as ParseResult.ParseError) }
  }
}
