import { Cause, Exit, Option } from "effect"

/** 0 ok · 1 a stage failed · 2 bad input (workflow, config, arguments, locked store). */
export interface Outcome {
  readonly code: 0 | 1 | 2
  /** one paragraph for stderr; empty when the command already said everything */
  readonly message: string
  readonly tag?: string
  readonly issues?: ReadonlyArray<unknown>
}

const USER_ERRORS = new Set(["WorkflowInvalid", "InputError", "StoreLocked", "UsageError"])

/**
 * The outcome of a command's run. `alreadyReported` tells a failure the command line's parser has
 * printed itself (@effect/cli's usage errors): exit code 2 and nothing more said. It is passed in,
 * so that the direct path (directRun.ts) decides outcomes without loading @effect/cli.
 */
export const outcomeOf = (exit: Exit.Exit<unknown, unknown>, alreadyReported: (e: unknown) => boolean = () => false): Outcome => {
  if (Exit.isSuccess(exit)) return { code: 0, message: "" }
  if (Cause.isInterruptedOnly(exit.cause)) return { code: 1, message: "interrupted; the store is consistent and a re-run resumes" }
  const failure = Cause.failureOption(exit.cause)
  if (Option.isSome(failure)) {
    const e = failure.value as { _tag?: string; message?: string; location?: string; issues?: ReadonlyArray<unknown>; failures?: ReadonlyArray<{ tag: string }> }
    if (alreadyReported(e)) return { code: 2, message: "", tag: "UsageError" }
    const tag = e._tag ?? "Error"
    const message = (e.message ?? String(e)) + (tag === "InputError" && e.location && !String(e.message).includes(e.location) ? ` (at ${e.location})` : "")
    if (USER_ERRORS.has(tag)) return { code: 2, message, tag, issues: e.issues }
    if (tag === "RunFailed") {
      // a stage that failed on the user's own input data is a user mistake too
      const onlyInput = (e.failures ?? []).length > 0 && (e.failures ?? []).every((f) => f.tag === "InputError")
      return { code: onlyInput ? 2 : 1, message, tag }
    }
    return { code: 1, message, tag }
  }
  return { code: 1, message: `internal error (please report):\n${Cause.pretty(exit.cause)}`, tag: "Defect" }
}
