/**
 * Error classification: whatever the `openai` client threw becomes a TransientError (worth another
 * attempt: 429, 408, 409, 5xx, timeouts, unreachable, malformed bodies) or a PermanentError (a
 * refused key, a bad request). Messages never include the key.
 */
import OpenAI from "openai"
import { PermanentError, TransientError } from "@zaoji/core"

/** map whatever the client threw to our error tags */
export const classify = (e: unknown, timeoutMs: number): TransientError | PermanentError => {
  if (e instanceof OpenAI.APIConnectionTimeoutError)
    return new TransientError({ message: `LLM request timed out after ${timeoutMs} ms` })
  if (e instanceof OpenAI.APIConnectionError) return new TransientError({ message: `LLM endpoint unreachable: ${e.message}` })
  if (e instanceof OpenAI.APIError) {
    const status = e.status ?? 0
    if (status === 429 || status === 408 || status === 409 || status >= 500)
      return new TransientError({ message: `LLM endpoint answered ${status}`, retryAfterMs: retryAfterMs(e.headers) })
    if (status === 401 || status === 403)
      return new PermanentError({ message: `LLM endpoint refused the API key (${status})` })
    return new PermanentError({ message: `LLM endpoint answered ${status}: ${e.message}` })
  }
  // a body that is not JSON, a reset connection…: the next attempt may well succeed
  return new TransientError({ message: `malformed LLM response: ${String((e as Error)?.message ?? e).slice(0, 200)}` })
}

/** Retry-After as seconds or an HTTP date, or retry-after-ms; undefined when absent */
export const retryAfterMs = (headers: { get(name: string): string | null } | undefined): number | undefined => {
  const ms = headers?.get("retry-after-ms")
  if (ms && Number.isFinite(Number(ms))) return Number(ms)
  const ra = headers?.get("retry-after")
  if (!ra) return undefined
  if (/^\d+(\.\d+)?$/.test(ra.trim())) return Number(ra) * 1000
  const at = Date.parse(ra)
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now())
}
