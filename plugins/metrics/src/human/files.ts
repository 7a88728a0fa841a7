/** Reading and writing the kit's JSON files: atomic writes, precise errors for user mistakes. */
import { mkdirSync, readFileSync, renameSync, writeFileSync, openSync, fsyncSync, closeSync, existsSync } from "node:fs"
import { dirname, join } from "node:path"
import { randomBytes } from "node:crypto"
import { Either, ParseResult, Schema } from "effect"
import { InputError, errorMessage } from "@zaoji/core"

/** write to a temp file beside the target, fsync, rename: a crash never leaves a torn file */
export const writeFileAtomic = (path: string, content: string): void => {
  mkdirSync(dirname(path), { recursive: true })
  const tmp = join(dirname(path), `.${randomBytes(6).toString("hex")}.tmp`)
  writeFileSync(tmp, content)
  const fd = openSync(tmp, "r")
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, path)
}

export const writeJsonAtomic = (path: string, value: unknown): void =>
  writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n")

/** line (1-based) of a character offset, for JSON syntax errors */
const lineOf = (text: string, offset: number): number => text.slice(0, offset).split("\n").length

/** Read and decode a JSON file, or fail with an InputError naming the file (and line or field). */
export const readJsonFile = <A, I>(path: string, schema: Schema.Schema<A, I>, what: string): A => {
  if (!existsSync(path)) throw new InputError({ message: `${what} not found: expected a file at ${path}`, location: path })
  const text = readFileSync(path, "utf8")
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (e) {
    const m = /position (\d+)/.exec(errorMessage(e))
    const line = m ? lineOf(text, Number(m[1])) : 1
    throw new InputError({
      message: `${path}:${line}: ${what} is not valid JSON (${errorMessage(e)})`,
      location: `${path}:${line}`
    })
  }
  const decoded = Schema.decodeUnknownEither(schema)(raw)
  if (Either.isLeft(decoded)) {
    throw new InputError({
      message: `${path}: not a valid ${what}:\n${ParseResult.TreeFormatter.formatErrorSync(decoded.left)}`,
      location: path
    })
  }
  return decoded.right
}
