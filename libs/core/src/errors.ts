import { Data } from "effect"

/** Retried by the stage's Schedule: network, 429, 5xx, timeouts, busy files. */
export class TransientError extends Data.TaggedError("TransientError")<{
  readonly message: string
  /** server's Retry-After, in milliseconds, when it sent one */
  readonly retryAfterMs?: number
  readonly cause?: unknown
}> {}

/** Fails at once: bad input, shape mismatch, a bug. `location` is file:line or a field path. */
export class PermanentError extends Data.TaggedError("PermanentError")<{
  readonly message: string
  readonly location?: string
  readonly cause?: unknown
}> {}

/** A user mistake (bad input file, bad config): exit code 2, no stack trace. */
export class InputError extends Data.TaggedError("InputError")<{
  readonly message: string
  /** file:line, or stage id + field path */
  readonly location?: string
}> {}

export type StageFailure = TransientError | PermanentError | InputError
