/**
 * One run of the engine: what every step of it shares (the run id, the plan, the store and journal,
 * the workflow's services, who waits on whom) and its two ends — starting it and finishing it, each
 * written to the journal and sent as an event.
 */
import { Context, Deferred, Effect, Layer, type Scope } from "effect"
import type { RunFailed } from "./engineErrors.js"
import type { RunOptions, RunSummary, StageOutcome } from "./engine.js"
import type { RunEvent } from "./events.js"
import type { JournalApi } from "./journal.js"
import type { Decision, ResolvedWorkflow } from "./plan.js"
import { redactString } from "./redact.js"
import type { Artifact } from "./Stage.js"
import type { ArtifactStoreApi, Manifest } from "./store.js"

export interface EngineRun {
  readonly runId: string
  readonly rw: ResolvedWorkflow
  readonly store: ArtifactStoreApi
  readonly journal: JournalApi
  readonly emit: (e: RunEvent) => Effect.Effect<void>
  /** the workflow's own `layer`, built once and given to every stage */
  readonly services: Context.Context<any>
  /** per stage id: run, cached or skip, and why */
  readonly decisions: ReadonlyMap<string, Decision>
  /** per stage id: the manifest stored under its key when the run was planned */
  readonly manifests: ReadonlyMap<string, Manifest | undefined>
  /** per stage id: settled with its artifact, or failed when it did not complete; dependents wait on it */
  readonly ready: ReadonlyMap<string, Deferred.Deferred<Artifact<unknown>, void>>
  /** filled as stages end: the run's summary and its failures */
  readonly outcomes: Map<string, StageOutcome>
  readonly failures: Array<RunFailed["failures"][number]>
}

/** Build the workflow's services, journal the run and announce it. */
export const startRun = (
  rw: ResolvedWorkflow,
  opts: Pick<RunOptions, "workflowFile" | "command" | "onEvent">,
  plan: Pick<EngineRun, "store" | "journal" | "decisions" | "manifests">
): Effect.Effect<EngineRun, never, Scope.Scope> =>
  Effect.gen(function* () {
    const emit = (e: RunEvent) => Effect.sync(() => opts.onEvent?.(e))
    const runId = newRunId()
    const services: Context.Context<any> = rw.workflow.options.layer
      ? yield* Layer.build(rw.workflow.options.layer as Layer.Layer<any, never, never>)
      : (Context.empty() as Context.Context<any>)
    yield* plan.journal.startRun({
      id: runId,
      workflow: rw.workflow.name,
      workflowFile: opts.workflowFile ?? "",
      command: redactString(opts.command ?? ""),
      pid: process.pid,
      startedAt: new Date().toISOString()
    })
    yield* emit({ type: "run", status: "started", run: runId, workflow: rw.workflow.name, store: plan.store.root, stages: rw.stages.length })
    const ready = new Map<string, Deferred.Deferred<Artifact<unknown>, void>>()
    for (const s of rw.stages) ready.set(s.node.id, yield* Deferred.make<Artifact<unknown>, void>())
    return { ...plan, runId, rw, emit, services, ready, outcomes: new Map(), failures: [] }
  })

/** Journal and announce how the run ended. */
export const finishRun = (run: EngineRun, status: "done" | "failed" | "interrupted"): Effect.Effect<void> =>
  Effect.zipRight(
    run.journal.endRun(run.runId, status),
    run.emit({ type: "run", status, run: run.runId, workflow: run.rw.workflow.name, store: run.store.root })
  )

/** Every stage's outcome, in workflow order; a stage that never reported (interrupted first) counts as skipped. */
export const summaryOf = (run: EngineRun): RunSummary => ({
  runId: run.runId,
  store: run.store.root,
  stages: run.rw.stages.map(
    (s) => run.outcomes.get(s.node.id) ?? { stage: s.node.id, status: "skipped", key: s.key, dir: run.store.artifactDir(s.key), attempts: 0 }
  )
})

// internal

const newRunId = () => {
  const t = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "").replace("T", "-")
  return `${t}-${Math.random().toString(36).slice(2, 8)}`
}
