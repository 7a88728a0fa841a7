/** Streaming line reader: constant memory for files of any size (the full KG is 36 MB). */
import { createReadStream } from "node:fs"
import { createInterface } from "node:readline"
import { Effect, Stream } from "effect"
import type { InputError } from "@zaoji/core"
import { openError } from "./rowErrors.js"

export interface NumberedLine {
  /** 1-based */
  readonly line: number
  readonly text: string
}

export const streamLines = (file: string): Stream.Stream<NumberedLine, InputError> =>
  Stream.suspend(() => {
    let n = 0
    return Stream.acquireRelease(
      Effect.try({
        try: () => {
          const input = createReadStream(file, { encoding: "utf8" })
          return { input, rl: createInterface({ input, crlfDelay: Infinity }) }
        },
        catch: (e) => openError(file, e)
      }),
      ({ input, rl }) =>
        Effect.sync(() => {
          rl.close()
          input.destroy()
        })
    ).pipe(
      Stream.flatMap(({ rl }) =>
        Stream.fromAsyncIterable(rl, (e) => openError(file, e)).pipe(
          Stream.map((text) => {
            n += 1
            // a UTF-8 BOM on the first line is an editor artefact, not data
            return { line: n, text: n === 1 ? text.replace(/^\uFEFF/, "") : text }
          })
        )
      )
    )
  })
