/**
 * The privacy guard: record-derived (sensitive) text goes only to a loopback endpoint or one the
 * workflow allows. Checked before a client exists, so a refused endpoint never sees a request.
 */
import { Effect } from "effect"
import { InputError, type StageContext } from "@zaoji/core"

export interface GuardOptions {
  /** the text to be sent is record-derived */
  readonly sensitive: boolean
  readonly ctx: Pick<StageContext, "allowEndpoint">
  /** the config field holding the URL, for the error's location (default `llm.baseURL`) */
  readonly field?: string
}

/** fails with an InputError when `baseURL` is not a URL, or when sensitive text may not go there */
export const guardEndpoint = (baseURL: string, options: GuardOptions): Effect.Effect<void, InputError> => {
  const location = options.field ?? "llm.baseURL"
  let url: URL
  try {
    url = new URL(baseURL)
  } catch {
    return Effect.fail(new InputError({ message: `${location}: expected an http(s) URL, got "${baseURL}"`, location }))
  }
  if (options.sensitive && !options.ctx.allowEndpoint(baseURL))
    return Effect.fail(
      new InputError({
        message:
          `refusing to send record-derived (sensitive) text to ${url.origin}: it is not on loopback ` +
          `and the workflow does not list it as an allowed endpoint`,
        location
      })
    )
  return Effect.void
}
