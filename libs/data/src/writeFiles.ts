/**
 * Writers that never leave a half-written file: everything goes to a temp file beside the target
 * and is renamed into place only when complete.
 */
import { randomBytes } from "node:crypto"
import { mkdir, open, rename, rm } from "node:fs/promises"
import { dirname } from "node:path"
import { Effect, Schema } from "effect"
import { PermanentError } from "@zaoji/core"

const writeError = (file: string, cause: unknown) =>
  new PermanentError({ message: `cannot write ${file}: ${String((cause as Error)?.message ?? cause)}`, location: file, cause })

/** write text atomically (temp + fsync + rename) */
export const writeFileAtomic = (file: string, content: string | Uint8Array): Effect.Effect<void, PermanentError> =>
  Effect.tryPromise({
    try: async () => {
      await mkdir(dirname(file), { recursive: true })
      const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`
      try {
        const fh = await open(tmp, "w")
        try {
          await fh.writeFile(content)
          await fh.sync()
        } finally {
          await fh.close()
        }
        await rename(tmp, file)
      } catch (e) {
        await rm(tmp, { force: true })
        throw e
      }
    },
    catch: (e) => writeError(file, e)
  })

/** rows as JSON Lines, encoded through `schema` when given (so defaults and brands round-trip) */
export const writeJsonl = <A, I>(
  file: string,
  rows: Iterable<A>,
  schema?: Schema.Schema<A, I>
): Effect.Effect<number, PermanentError> =>
  Effect.gen(function* () {
    const encode = schema ? Schema.encodeSync(schema) : (a: A) => a as unknown
    const parts: Array<string> = []
    let n = 0
    for (const row of rows) {
      const encoded = yield* Effect.try({ try: () => encode(row), catch: (e) => writeError(file, e) })
      parts.push(JSON.stringify(encoded))
      n++
    }
    yield* writeFileAtomic(file, parts.length ? parts.join("\n") + "\n" : "")
    return n
  })

/** a JSON document, pretty-printed, atomically */
export const writeJson = (file: string, value: unknown): Effect.Effect<void, PermanentError> =>
  writeFileAtomic(file, JSON.stringify(value, null, 2) + "\n")
