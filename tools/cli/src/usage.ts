import { Data } from "effect"

/** A command-line mistake the argument parser cannot see (e.g. no store where one was expected). */
export class UsageError extends Data.TaggedError("UsageError")<{ readonly message: string }> {}
