/**
 * How a stage's run ended, as one `StageFailure`: typed failures as they are, defects (a thrown
 * exception, a bug) as a permanent failure naming what was thrown.
 */
import { Cause, Option } from "effect"
import { errorMessage } from "./errorMessage.js"
import { PermanentError, type StageFailure } from "./errors.js"
import { redactString } from "./redact.js"

export const failureOf = (cause: Cause.Cause<StageFailure>): StageFailure => {
  const f = Cause.failureOption(cause)
  if (Option.isSome(f)) return f.value
  const d = Cause.dieOption(cause)
  const msg = Option.isSome(d) ? errorMessage(d.value) : Cause.pretty(cause)
  return new PermanentError({ message: `unexpected error: ${msg}`, cause: Option.getOrUndefined(d) })
}

/** The message a failed stage is reported with: redacted, and with its location unless it already names it. */
export const failureMessage = (e: StageFailure): string => {
  // a message that already names its location (file:line lists do) is not given it twice
  const location = "location" in e && e.location && !e.message.includes(e.location) ? ` (at ${e.location})` : ""
  return redactString(e.message + location)
}
