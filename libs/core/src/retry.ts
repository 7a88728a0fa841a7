import { Duration, Effect, Schedule } from "effect"
import type { StageFailure } from "./errors.js"
import type { RetryPolicy } from "./Stage.js"

export const defaultRetryPolicy: RetryPolicy = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 30_000 }

/** A server's Retry-After is honoured, but never waits longer than this. */
const RETRY_AFTER_CAP_MS = 10 * 60_000

export const resolvePolicy = (...layers: ReadonlyArray<Partial<RetryPolicy> | undefined>): RetryPolicy =>
  Object.assign({}, defaultRetryPolicy, ...layers.filter(Boolean))

/**
 * Exponential backoff with jitter, bounded by attempts and a delay cap; only TransientError is
 * retried, and its Retry-After (when the server sent one) replaces the computed delay.
 * `onRetry` sees the failed attempt's error and the delay chosen, before the wait.
 */
export const retrySchedule = (
  policy: RetryPolicy,
  onRetry: (error: StageFailure, delayMs: number) => Effect.Effect<void>
): Schedule.Schedule<unknown, StageFailure> =>
  Schedule.identity<StageFailure>().pipe(
    Schedule.intersect(Schedule.exponential(Duration.millis(Math.max(0, policy.baseDelayMs)), 2)),
    Schedule.intersect(Schedule.recurs(Math.max(0, policy.maxAttempts - 1))),
    Schedule.whileInput((e: StageFailure) => e._tag === "TransientError"),
    Schedule.jittered,
    Schedule.modifyDelayEffect(([[error]], computed) => {
      const ms =
        error._tag === "TransientError" && error.retryAfterMs !== undefined
          ? Math.min(Math.max(0, error.retryAfterMs), RETRY_AFTER_CAP_MS)
          : Math.min(Duration.toMillis(computed), policy.maxDelayMs)
      return Effect.as(onRetry(error, ms), Duration.millis(ms))
    })
  )
