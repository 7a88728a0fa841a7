/** Decoded rows of a dataset file as a stream (./readRows.ts reads them whole where it can). */
import { Effect, type Schema, Stream } from "effect"
import type { InputError } from "@zaoji/core"
import { rawRows } from "./rawRows.js"
import { type DecodedRow, type ReadOptions, rowDecoder } from "./readRows.js"

/** decoded rows as a stream; bad rows are elements too, so a consumer can count and log them */
export const streamRows = <A, I>(
  file: string,
  schema: Schema.Schema<A, I>,
  options: ReadOptions = {}
): Stream.Stream<DecodedRow<A>, InputError> => {
  return rawRows(file, options.format).pipe(Stream.map(rowDecoder(file, schema, options)))
}

/** every decoded row of a file, in order, to `f` */
export const forEachRow = <A, I>(
  file: string,
  schema: Schema.Schema<A, I>,
  options: ReadOptions,
  f: (row: DecodedRow<A>) => void
): Effect.Effect<void, InputError> => Stream.runForEach(streamRows(file, schema, options), (row) => Effect.sync(() => f(row)))
