/**
 * The one error a handler throws to answer with a status other than 200. Every server of the kit
 * turns it into its own JSON body (`errorBody`), so the status, the machine-readable `code`, the
 * field it is about (`param`) and extra headers (`Retry-After`) are decided where the error is known.
 */
import { Data } from "effect"

export class HttpError extends Data.TaggedError("HttpError")<{
  readonly status: number
  readonly message: string
  /** machine-readable reason, e.g. "body_too_large", "wrong_host" */
  readonly code?: string
  /** the request field the error is about, e.g. "model" */
  readonly param?: string
  /** sent with the error reply, e.g. { "retry-after": "3" } */
  readonly headers?: Readonly<Record<string, string>>
}> {}
