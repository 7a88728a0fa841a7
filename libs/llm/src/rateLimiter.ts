/** A start-rate limit: paid endpoints count requests per minute, whatever the concurrency. */
import { Duration, Effect } from "effect"

/** spaces request starts so that at most `perMinute` begin in any minute-long stretch on average (0 = unlimited) */
export const makeRateLimiter = (perMinute: number): Effect.Effect<void> => {
  if (perMinute <= 0) return Effect.void
  const gapMs = 60_000 / perMinute
  let next = 0
  return Effect.flatMap(
    Effect.clockWith((c) => c.currentTimeMillis),
    (now) => {
      const start = Math.max(now, next)
      next = start + gapMs
      return start > now ? Effect.sleep(Duration.millis(start - now)) : Effect.void
    }
  )
}
