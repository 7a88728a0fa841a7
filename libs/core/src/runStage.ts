/**
 * One stage of a run, start to end: take the stored artifact (skip), wait for its inputs, report it
 * cached, or run it — attempts retried by its Schedule, the result committed — and report how it ended.
 * Fails with `undefined` when the stage does not complete; what went wrong is already reported.
 */
import { Cause, Deferred, Effect, Either, Exit } from "effect"
import { runAttempt, type Attempts } from "./attempt.js"
import { commitArtifact } from "./commitArtifact.js"
import type { EngineRun } from "./engineRun.js"
import { failureMessage, failureOf } from "./failureOf.js"
import type { ResolvedStage } from "./plan.js"
import { progressReport } from "./progressReport.js"
import { resolvePolicy, retrySchedule } from "./retry.js"
import type { Artifact } from "./Stage.js"
import { stageReport, type StageReport } from "./stageReport.js"
import { loadArtifact } from "./storedArtifact.js"
import { storedRefInputs } from "./artifactRefs.js"

export const runStage = (run: EngineRun, s: ResolvedStage): Effect.Effect<Artifact<unknown>, void> =>
  Effect.gen(function* () {
    const decision = run.decisions.get(s.node.id)!
    if (decision.action === "skip") {
      const a = loadArtifact(run.store, s, run.manifests.get(s.node.id))
      return a ? a : yield* Effect.fail(undefined)
    }
    const report = stageReport(run, s)
    const inputs = yield* awaitInputs(run, s, report)
    if (decision.action === "cached") {
      yield* report.cached()
      return loadArtifact(run.store, s, run.manifests.get(s.node.id))!
    }
    return yield* execute(run, s, inputs, report)
  })

// internal

/** Each input's artifact; an upstream stage that did not complete skips this one. */
const awaitInputs = (run: EngineRun, s: ResolvedStage, report: StageReport) =>
  Effect.gen(function* () {
    const inputs: Record<string, Artifact<unknown>> = {}
    for (const [name, dep] of Object.entries(s.deps)) {
      const got = yield* Effect.either(Deferred.await(run.ready.get(dep)!))
      if (Either.isLeft(got)) {
        yield* report.skipped(`upstream stage ${dep} did not complete`)
        return yield* Effect.fail(undefined)
      }
      inputs[name] = got.right
    }
    // artifacts that reference fields name by store key (checked when the workflow was planned)
    Object.assign(inputs, storedRefInputs(run.store, s.external, s.node.def.output).inputs)
    return inputs
  })

/** Attempts (retried by the stage's policy) in one output folder, then the commit; the end reported. */
const execute = (run: EngineRun, s: ResolvedStage, inputs: Readonly<Record<string, Artifact<unknown>>>, report: StageReport) =>
  Effect.gen(function* () {
    const policy = resolvePolicy(s.node.def.retry, s.node.options.retry)
    const startedAt = new Date().toISOString()
    const t0 = Date.now()
    const attempts: Attempts = { count: 0, metrics: {}, onProgress: progressReport(run, s.node.id) }
    const exit = yield* Effect.exit(
      Effect.scoped(
        Effect.gen(function* () {
          const outDir = yield* run.store.tempDir(s.node.id)
          const value = yield* runAttempt(run, s, inputs, outDir, attempts, report, startedAt).pipe(
            Effect.retry(retrySchedule(policy, (e, delayMs) => report.retrying(attempts.count, delayMs, e)))
          )
          return yield* commitArtifact(run, s, outDir, value, { metrics: attempts.metrics, startedAt, attempts: attempts.count })
        })
      )
    )
    if (Exit.isSuccess(exit)) {
      yield* report.done(attempts.count, startedAt, t0)
      return exit.value
    }
    if (Cause.isInterruptedOnly(exit.cause)) return yield* Effect.interrupt
    const e = failureOf(exit.cause)
    yield* report.failed(attempts.count, startedAt, failureMessage(e), e)
    return yield* Effect.fail(undefined)
  })
