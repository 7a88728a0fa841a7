/**
 * The one retry policy: the engine retries a stage with it, and the LLM client (@zaoji/llm) retries
 * a request with it, so a 429 from a paid endpoint and a failing stage wait by the same rule.
 *
 * The rule: exponential backoff with jitter, capped at `maxDelayMs`, for at most `maxAttempts`
 * attempts, retrying only TransientError. When the server sent Retry-After and it is LONGER than
 * the backoff, its value is waited instead (capped at `maxRetryAfterMs`); a shorter Retry-After
 * does not shorten the backoff. Why: asking again before the server said it is ready only earns
 * another 429 and burns an attempt, while a short Retry-After given to every client at once would
 * otherwise bring them all back in the same instant, undoing the backoff. The cap keeps a server
 * that answers "come back tomorrow" from parking an overnight run; the attempt then fails like any
 * other and the next one decides.
 */
import { Duration, Effect, Schedule } from "effect"
import type { StageFailure } from "./errors.js"
import type { RetryPolicy } from "./Stage.js"

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 30_000 }

/** How long a server's Retry-After is honoured at most, unless the caller sets its own cap. */
export const defaultMaxRetryAfterMs = 10 * 60_000

/** A retry policy plus the cap on a server's Retry-After (default `defaultMaxRetryAfterMs`). */
export interface RetrySettings extends RetryPolicy {
  readonly maxRetryAfterMs?: number
}

export const resolvePolicy = (...layers: ReadonlyArray<Partial<RetryPolicy> | undefined>): RetryPolicy =>
  Object.assign({}, defaultRetryPolicy, ...layers.filter(Boolean))

/**
 * The wait before the next attempt: the backoff (capped at `maxDelayMs`), or the server's
 * Retry-After (capped at `maxRetryAfterMs`) when that is longer.
 */
export const retryDelayMs = (policy: RetrySettings, backoffMs: number, error: StageFailure): number => {
  const backoff = Math.min(Math.max(0, backoffMs), policy.maxDelayMs)
  const asked = error._tag === "TransientError" && error.retryAfterMs !== undefined ? Math.max(0, error.retryAfterMs) : 0
  return Math.max(backoff, Math.min(asked, policy.maxRetryAfterMs ?? defaultMaxRetryAfterMs))
}

/**
 * The policy as an effect Schedule, for `Effect.retry`. `onRetry` sees the failed attempt's error
 * and the delay chosen, before the wait.
 */
export const retrySchedule = (
  policy: RetrySettings,
  onRetry: (error: StageFailure, delayMs: number) => Effect.Effect<void> = () => Effect.void
): Schedule.Schedule<unknown, StageFailure> =>
  Schedule.identity<StageFailure>().pipe(
    Schedule.intersect(Schedule.exponential(Duration.millis(Math.max(0, policy.baseDelayMs)), 2)),
    Schedule.intersect(Schedule.recurs(Math.max(0, policy.maxAttempts - 1))),
    Schedule.whileInput((e: StageFailure) => e._tag === "TransientError"),
    Schedule.jittered,
    Schedule.modifyDelayEffect(([[error]], computed) => {
      const ms = retryDelayMs(policy, Duration.toMillis(computed), error)
      return Effect.as(onRetry(error, ms), Duration.millis(ms))
    })
  )
