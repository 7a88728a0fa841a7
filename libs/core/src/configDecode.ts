import { Either, ParseResult, Schema } from "effect"
import { isSecretField, redactString } from "./redact.js"

/** One problem found while checking a workflow, reported together with all the others. */
export interface Issue {
  /** stage instance id, or "" for workflow-level problems */
  readonly stage: string
  /** dotted field path inside the stage's config / inputs, or "" */
  readonly field: string
  readonly message: string
}

export const formatIssue = (i: Issue): string => {
  const where = i.stage ? (i.field ? `${i.stage}.${i.field}` : i.stage) : i.field
  return where ? `${where}: ${i.message}` : i.message
}

/**
 * Decode a stage config with its Schema, collecting *every* problem with its field path.
 * Unknown fields are errors too: a typo in a field name should not silently fall back to a default.
 */
export const decodeConfig = <A, I>(
  stage: string,
  schema: Schema.Schema<A, I>,
  encoded: unknown
): Either.Either<A, ReadonlyArray<Issue>> => {
  const result = Schema.decodeUnknownEither(schema, { errors: "all", onExcessProperty: "error" })(encoded)
  if (Either.isRight(result)) return Either.right(result.right)
  const issues = ParseResult.ArrayFormatter.formatErrorSync(result.left).map((e) => ({
    stage,
    field: e.path.map(String).join("."),
    message:
      e._tag === "Unexpected"
        ? "unknown field (not in the stage's config schema)"
        : e.path.some((p) => isSecretField(String(p)))
          ? "invalid value for a secret field (value not shown)"
          : redactString(e.message)
  }))
  return Either.left(dropExplainedUndefined(mergeAlternatives(issues)))
}

const EXPECTED = /^Expected (.+), actual (.+)$/s

/**
 * A value that fits no member of a union (an optional field is `X | undefined`) gets one message per
 * member; say it once: "Expected number, actual "abc"", not also "Expected undefined, actual "abc"".
 */
const mergeAlternatives = (issues: ReadonlyArray<Issue>): ReadonlyArray<Issue> => {
  const out: Issue[] = []
  const byField = new Map<string, { index: number; expected: string[]; actual: string }>()
  for (const i of issues) {
    const m = EXPECTED.exec(i.message)
    if (m === null) {
      out.push(i)
      continue
    }
    const [, expected, actual] = m as unknown as [string, string, string]
    const seen = byField.get(i.field)
    if (seen !== undefined && seen.actual === actual) {
      if (!seen.expected.includes(expected)) seen.expected.push(expected)
      continue
    }
    byField.set(i.field, { index: out.length, expected: [expected], actual })
    out.push(i)
  }
  for (const { index, expected, actual } of byField.values()) {
    // several distinct alternatives, so at least one is not "undefined"
    if (expected.length > 1) out[index] = { ...out[index]!, message: `Expected ${expected.filter((e) => e !== "undefined").join(" or ")}, actual ${actual}` }
  }
  return out
}

/** `--set STAGE.FIELD=VALUE`: VALUE is JSON when it parses as JSON, a plain string otherwise. */
export interface Override {
  readonly stage: string
  readonly path: ReadonlyArray<string>
  readonly value: unknown
  readonly raw: string
}

export const parseOverride = (text: string): Either.Either<Override, Issue> => {
  const eq = text.indexOf("=")
  const lhs = eq < 0 ? text : text.slice(0, eq)
  const parts = lhs.split(".").filter((p) => p.length > 0)
  if (eq < 0 || parts.length < 2) {
    return Either.left({
      stage: "",
      field: "--set",
      message: `"${text}" is not of the form STAGE.FIELD=VALUE (e.g. --set train.epochs=3)`
    })
  }
  const raw = text.slice(eq + 1)
  let value: unknown = raw
  try {
    value = JSON.parse(raw)
  } catch {
    // not JSON: keep the text as a string value
  }
  return Either.right({ stage: parts[0], path: parts.slice(1), value, raw })
}

/** Apply overrides to a copy of an encoded config, creating nested objects on the way. */
export const applyOverrides = (config: unknown, overrides: ReadonlyArray<Override>): unknown => {
  if (overrides.length === 0) return config
  const root = structuredClone(config ?? {}) as Record<string, unknown>
  for (const o of overrides) {
    let obj = root
    for (const key of o.path.slice(0, -1)) {
      const next = obj[key]
      if (next === null || typeof next !== "object") obj[key] = {}
      obj = obj[key] as Record<string, unknown>
    }
    obj[o.path[o.path.length - 1]] = o.value
  }
  return root
}

/**
 * An optional object with a bad field inside also fails its "undefined" alternative at the object's
 * own path; the inner problem is the one to show.
 */
const dropExplainedUndefined = (issues: ReadonlyArray<Issue>): ReadonlyArray<Issue> =>
  issues.filter(
    (i) => !(/^Expected undefined, actual /.test(i.message) && issues.some((o) => o !== i && (i.field === "" || o.field.startsWith(`${i.field}.`))))
  )
