/**
 * Bad rows are reported, counted and tolerated up to a configurable ratio: one broken line in a
 * 10k-row crawl should not stop a run, a wrongly mapped file (every row bad) must.
 */
import { ParseResult } from "effect"
import { InputError } from "@zaoji/core"

export interface RowError {
  readonly file: string
  /** 1-based line where the row starts */
  readonly line: number
  /** dotted field path, "" for the row as a whole */
  readonly field: string
  /** what was expected / what went wrong */
  readonly message: string
}

export const formatRowError = (e: RowError): string =>
  `${e.file}:${e.line}${e.field !== "" ? ` field "${e.field}"` : ""}: ${e.message}`

/**
 * One RowError per offending field. A union (e.g. "list, null or missing") yields one issue per
 * member; they are merged into a single "expected A, B or C" so the message reads like a sentence.
 */
export const rowErrorsFromParse = (file: string, line: number, error: ParseResult.ParseError): Array<RowError> => {
  const byField = new Map<string, Array<string>>()
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(error)) {
    const field = issue.path.map(String).join(".")
    const list = byField.get(field) ?? []
    list.push(issue.message)
    byField.set(field, list)
  }
  return [...byField].map(([field, messages]) => {
    const expected = messages.map((m) => /^Expected (.*), actual (.*)$/s.exec(m))
    if (messages.length > 1 && expected.every((m) => m !== null)) {
      const kinds = [...new Set(expected.map((m) => m![1]!))]
      const alt = kinds.length > 1 ? `${kinds.slice(0, -1).join(", ")} or ${kinds[kinds.length - 1]}` : kinds[0]
      return { file, line, field, message: `expected ${alt}, got ${expected[0]![2]}` }
    }
    return { file, line, field, message: messages.join("; ") }
  })
}

export interface ErrorPolicy {
  /** largest tolerated share of bad rows (0 = any bad row fails; 1 = never fail) */
  readonly maxErrorRatio?: number
}

export interface ReadResult<A> {
  readonly rows: Array<A>
  /** 1-based line of each row in `rows` (same order) */
  readonly lines: Array<number>
  readonly errors: Array<RowError>
  /** rows seen (good + bad) */
  readonly total: number
  /** rows that failed to parse or decode */
  readonly bad: number
}

/** the InputError for a read whose bad-row share is past the policy, or undefined */
export const checkErrorRatio = <A>(file: string, result: ReadResult<A>, policy: ErrorPolicy): InputError | undefined => {
  const ratio = policy.maxErrorRatio ?? 0
  if (result.bad === 0) return undefined
  const share = result.total === 0 ? 1 : result.bad / result.total
  if (share <= ratio) return undefined
  const first = result.errors.slice(0, 5).map(formatRowError).join("\n  ")
  return new InputError({
    message:
      `${file}: ${result.bad} of ${result.total} rows are invalid (${(share * 100).toFixed(1)}%, ` +
      `allowed ${(ratio * 100).toFixed(1)}%). First problems:\n  ${first}`,
    location: result.errors[0] ? `${result.errors[0].file}:${result.errors[0].line}` : file
  })
}

/** a file that cannot be opened or read, as the error every reader gives */
export const openError = (file: string, cause: unknown): InputError =>
  new InputError({
    message: `cannot read ${file}: ${(cause as NodeJS.ErrnoException)?.code === "ENOENT" ? "no such file" : String((cause as Error)?.message ?? cause)}`,
    location: file
  })
