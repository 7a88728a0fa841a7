import { Duration, Effect, Exit, Fiber, TestClock, TestContext } from "effect"
import { describe, expect, it } from "vitest"
import { PermanentError, TransientError, defaultMaxRetryAfterMs, retryDelayMs, retrySchedule, type StageFailure } from "../src/index.js"

const policy = { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 100 }
const transient = (retryAfterMs?: number) => new TransientError({ message: "429", retryAfterMs })

/** runs `error` failing every time under the schedule, with the test clock; attempts seen after each clock step */
const attemptsOver = (error: StageFailure, settings: Parameters<typeof retrySchedule>[0], steps: ReadonlyArray<number>) =>
  Effect.runPromise(
    Effect.gen(function* () {
      let attempts = 0
      const delays: Array<number> = []
      const failing = Effect.suspend(() => {
        attempts++
        return Effect.fail(error)
      })
      const fiber = yield* Effect.fork(Effect.retry(failing, retrySchedule(settings, (_, ms) => Effect.sync(() => delays.push(ms)))))
      const seen: Array<number> = []
      for (const ms of steps) {
        yield* TestClock.adjust(Duration.millis(ms))
        seen.push(attempts)
      }
      const exit = yield* Fiber.await(fiber)
      return { seen, delays, failed: Exit.isFailure(exit) }
    }).pipe(Effect.provide(TestContext.TestContext))
  )

describe("retry policy (engine and LLM client alike)", () => {
  it("honours Retry-After over a shorter backoff, and gives up after maxAttempts", async () => {
    const r = await attemptsOver(transient(5_000), { ...policy, maxRetryAfterMs: 60_000 }, [4_999, 1, 5_000])
    expect(r).toEqual({ seen: [1, 2, 3], delays: [5_000, 5_000], failed: true })
  })

  it("a Retry-After shorter than the backoff does not shorten it", () => {
    expect(retryDelayMs({ maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 30_000 }, 2_000, transient(3))).toBe(2_000)
    expect(retryDelayMs({ maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 30_000 }, 2_000, transient(2_500))).toBe(2_500)
  })

  it("caps the backoff at maxDelayMs and Retry-After at maxRetryAfterMs (10 minutes unless set)", () => {
    expect(retryDelayMs(policy, 5_000, transient())).toBe(100)
    expect(retryDelayMs({ ...policy, maxRetryAfterMs: 1_000 }, 50, transient(3_600_000))).toBe(1_000)
    expect(retryDelayMs(policy, 50, transient(3_600_000))).toBe(defaultMaxRetryAfterMs)
    expect(defaultMaxRetryAfterMs).toBe(600_000)
    // a negative or absent Retry-After leaves the backoff
    expect(retryDelayMs(policy, 40, transient(-5))).toBe(40)
  })

  it("the backoff grows and is what the wait is without Retry-After", async () => {
    const r = await attemptsOver(transient(), { maxAttempts: 4, baseDelayMs: 1_000, maxDelayMs: 60_000 }, [799, 1_000, 2_000, 4_000, 10_000])
    // jittered 0.8–1.2 × 1 s, 2 s, 4 s
    expect(r.delays).toHaveLength(3)
    expect(r.delays[0]!).toBeGreaterThanOrEqual(800)
    expect(r.delays[0]!).toBeLessThanOrEqual(1_200)
    expect(r.delays[1]!).toBeGreaterThanOrEqual(1_600)
    expect(r.delays[1]!).toBeLessThanOrEqual(2_400)
    expect(r.delays[2]!).toBeGreaterThanOrEqual(3_200)
    expect(r.delays[2]!).toBeLessThanOrEqual(4_800)
    expect(r.seen[0]).toBe(1)
    expect(r.seen.at(-1)).toBe(4)
    expect(r.failed).toBe(true)
  })

  it("does not retry a permanent error", async () => {
    const r = await attemptsOver(new PermanentError({ message: "shape mismatch" }), policy, [10_000])
    expect(r).toEqual({ seen: [1], delays: [], failed: true })
  })
})
