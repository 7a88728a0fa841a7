/**
 * A stage's status, reported to the journal and as an event at once, so the two never disagree.
 * Final statuses (skipped, cached, done, failed) also become the stage's outcome in the run summary;
 * a failure is added to the run's failures.
 */
import { Effect } from "effect"
import type { EngineRun } from "./engineRun.js"
import type { StageFailure } from "./errors.js"
import type { StageOutcome } from "./engine.js"
import type { ResolvedStage } from "./plan.js"
import { redactString } from "./redact.js"

export interface StageReport {
  readonly skipped: (reason: string) => Effect.Effect<void>
  readonly cached: () => Effect.Effect<void>
  readonly running: (attempt: number, startedAt: string) => Effect.Effect<void>
  readonly retrying: (attempt: number, delayMs: number, error: StageFailure) => Effect.Effect<void>
  /** `startedMs`: when the stage started running (Date.now()), for the event's duration */
  readonly done: (attempts: number, startedAt: string, startedMs: number) => Effect.Effect<void>
  /** `message` is the already redacted text the run reports */
  readonly failed: (attempts: number, startedAt: string, message: string, error: StageFailure) => Effect.Effect<void>
}

export const stageReport = (run: EngineRun, s: ResolvedStage): StageReport => {
  const id = s.node.id
  const plugin = s.node.def.name
  const reason = run.decisions.get(id)!.reason
  const base = { stage: id, key: s.key, plugin }
  const row = { runId: run.runId, stageId: id, key: s.key, plugin }
  const final = (status: StageOutcome["status"], attempts: number, why: string, error: string | null, startedAt: string | null) =>
    Effect.zipRight(
      run.journal.stage({ ...row, status, reason: why, attempts, error, startedAt, endedAt: new Date().toISOString() }),
      Effect.sync(() => run.outcomes.set(id, { stage: id, status, key: s.key, dir: run.store.artifactDir(s.key), attempts }))
    )
  return {
    skipped: (why) =>
      Effect.zipRight(final("skipped", 0, why, null, null), run.emit({ type: "stage", status: "skipped", ...base, reason: why })),
    cached: () =>
      Effect.zipRight(final("cached", 0, reason, null, null), run.emit({ type: "stage", status: "cached", ...base, reason })),
    running: (attempt, startedAt) =>
      Effect.zipRight(
        run.journal.stage({ ...row, status: "running", reason, attempts: attempt, error: null, startedAt, endedAt: null }),
        run.emit({ type: "stage", status: "running", ...base, attempt, reason })
      ),
    retrying: (attempt, delayMs, e) =>
      Effect.zipRight(
        run.emit({ type: "stage", status: "retrying", ...base, attempt, delayMs, error: redactString(e.message), errorTag: e._tag }),
        run.journal.event(run.runId, id, "retrying", { attempt, delayMs, error: redactString(e.message) })
      ),
    done: (attempts, startedAt, startedMs) =>
      Effect.zipRight(
        final("done", attempts, reason, null, startedAt),
        Effect.suspend(() => run.emit({ type: "stage", status: "done", ...base, attempt: attempts, durationMs: Date.now() - startedMs }))
      ),
    failed: (attempts, startedAt, message, e) =>
      final("failed", attempts, reason, message, startedAt).pipe(
        Effect.zipRight(run.emit({ type: "stage", status: "failed", ...base, attempt: attempts, error: message, errorTag: e._tag })),
        Effect.zipRight(Effect.sync(() => run.failures.push({ stage: id, tag: e._tag, message, attempts })))
      )
  }
}
