/**
 * One attempt at running a stage: an empty output folder, a fresh StageContext, the attempt journaled
 * from start to end, and whatever the stage failed or died with turned into one StageFailure (an
 * interrupt stays an interrupt, and aborts the context's signal).
 */
import { Cause, Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import type { EngineRun } from "./engineRun.js"
import type { StageFailure } from "./errors.js"
import { failureOf } from "./failureOf.js"
import { makeStageContext } from "./makeStageContext.js"
import type { ResolvedStage } from "./plan.js"
import type { ProgressSink } from "./progressReport.js"
import { redactString } from "./redact.js"
import type { Artifact } from "./Stage.js"
import type { StageReport } from "./stageReport.js"

/** What a stage's attempts share: their count, the metrics the stage recorded, its progress sink. */
export interface Attempts {
  count: number
  readonly metrics: Record<string, unknown>
  readonly onProgress: ProgressSink
}

export const runAttempt = (
  run: EngineRun,
  s: ResolvedStage,
  inputs: Readonly<Record<string, Artifact<unknown>>>,
  outDir: string,
  attempts: Attempts,
  report: StageReport,
  startedAt: string
): Effect.Effect<unknown, StageFailure> =>
  Effect.suspend(() => {
    const n = ++attempts.count
    // each attempt starts from an empty output folder; the checkpoint carries what survives
    emptyDir(outDir)
    const controller = new AbortController()
    const ctx = makeStageContext({
      stageId: s.node.id,
      key: s.key,
      outDir,
      baseDir: run.rw.baseDir,
      checkpointDir: run.store.checkpointDir(s.key),
      signal: controller.signal,
      allowedEndpoints: run.rw.workflow.options.allowEndpoints ?? [],
      onProgress: attempts.onProgress,
      onLog: (level, message, fields) =>
        Effect.zipRight(
          run.emit({ type: "log", stage: s.node.id, level, message, ...(fields ? { fields } : {}) }),
          run.journal.event(run.runId, s.node.id, "log", { level, message, fields })
        ),
      onMetric: (name, value) =>
        Effect.sync(() => {
          attempts.metrics[name] = value
        })
    })
    return Effect.gen(function* () {
      yield* run.journal.attemptStart({ runId: run.runId, stageId: s.node.id, key: s.key, attempt: n, startedAt: new Date().toISOString() })
      yield* report.running(n, startedAt)
      const stageRun = s.node.def.run({ config: s.config, inputs, ctx }) as Effect.Effect<unknown, StageFailure, any>
      return yield* stageRun.pipe(
        Effect.provide(run.services),
        Effect.catchAllCause((c) => (Cause.isInterruptedOnly(c) ? Effect.failCause(c as Cause.Cause<never>) : Effect.fail(failureOf(c)))),
        Effect.onInterrupt(() => Effect.sync(() => controller.abort())),
        Effect.tapBoth({
          onFailure: (e) => endAttempt(run, s, n, { status: "failed", errorTag: e._tag, error: redactString(e.message) }),
          onSuccess: () => endAttempt(run, s, n, { status: "done", errorTag: null, error: null })
        })
      ) as Effect.Effect<unknown, StageFailure>
    })
  })

// internal

const emptyDir = (dir: string): void => {
  for (const f of fs.readdirSync(dir)) fs.rmSync(path.join(dir, f), { recursive: true, force: true })
}

const endAttempt = (
  run: EngineRun,
  s: ResolvedStage,
  attempt: number,
  end: { readonly status: "done" | "failed"; readonly errorTag: string | null; readonly error: string | null }
) => run.journal.attemptEnd({ runId: run.runId, stageId: s.node.id, attempt, endedAt: new Date().toISOString(), ...end })
