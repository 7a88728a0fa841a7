/**
 * A stage's progress reports: each becomes an event with an ETA, and a journal row at most a few
 * times a second (always the last one), so a stage reporting every item does not flood the journal.
 */
import { Effect } from "effect"
import type { EngineRun } from "./engineRun.js"

export type ProgressSink = (done: number, total: number, unit: string, extra?: Record<string, unknown>) => Effect.Effect<void>

/** One sink per stage execution: the rate behind the ETA is measured across its attempts. */
export const progressReport = (run: EngineRun, stageId: string): ProgressSink => {
  let first: Mark | undefined
  let lastJournaled = 0
  return (done, total, unit, extra) =>
    Effect.gen(function* () {
      const now = Date.now()
      // a count that goes back (a retried attempt starting over) restarts the rate measurement
      if (!first || done < first.done) first = { t: now, done }
      const eta = etaSeconds(first, now, done, total)
      yield* run.emit({ ...(extra ?? {}), type: "progress", stage: stageId, done, total, unit, ...(eta !== undefined ? { etaSeconds: eta } : {}) })
      if (now - lastJournaled >= JOURNAL_EVERY_MS || done >= total) {
        lastJournaled = now
        yield* run.journal.progress(run.runId, stageId, done, total, unit)
      }
    })
}

// internal

interface Mark {
  readonly t: number
  readonly done: number
}

const JOURNAL_EVERY_MS = 250

/** Seconds left at the rate seen since `first`, to 0.1 s; undefined until some progress was made. */
const etaSeconds = (first: Mark, now: number, done: number, total: number): number | undefined => {
  const rate = done > first.done ? (done - first.done) / ((now - first.t) / 1000) : 0
  return rate > 0 ? Math.round(Math.max(0, (total - done) / rate) * 10) / 10 : undefined
}
