/**
 * The engine: run a resolved workflow over an artifact store and a journal. Stages start as soon as
 * their inputs are ready (bounded concurrency, one device slot for compute-heavy stages); a finished
 * stage's folder is moved into the store atomically with its manifest; failures are retried by the
 * stage's Schedule and every attempt is journaled.
 *
 * The steps, in order: plan (resolve, decide, check input files) → lock → sweep leftovers → start the
 * run → per stage: wait for inputs → run attempts (retried) → commit the artifact → report → finish
 * the run. Each step is a named function below or in its own module (runStage, attempt,
 * commitArtifact, stageReport, progressReport, engineRun).
 */
import { Deferred, Effect, Either, Layer } from "effect"
import * as path from "node:path"
import { WorkflowInvalid, RunFailed, StoreLocked } from "./engineErrors.js"
import type { Issue } from "./configDecode.js"
import { errorMessage } from "./errorMessage.js"
import type { EventSink } from "./events.js"
import { finishRun, startRun, summaryOf, type EngineRun } from "./engineRun.js"
import { Journal, journaledLastKeys, sqliteJournalLayer } from "./journal.js"
import { acquireStoreLock } from "./lock.js"
import { fileHashCache } from "./hashCache.js"
import { fsStoreView } from "./artifactRefs.js"
import { decide, resolveWorkflow, type Decision, type ResolvedStage, type ResolvedWorkflow, type Selection } from "./plan.js"
import { redactString } from "./redact.js"
import { runStage } from "./runStage.js"
import type { Artifact } from "./Stage.js"
import { loadArtifact } from "./storedArtifact.js"
import { ArtifactStore, fsStoreLayer, makeFsStore, type ArtifactStoreApi, type Manifest } from "./store.js"
import type { Workflow } from "./Workflow.js"

export { toolVersion } from "./toolVersion.js"

export interface RunOptions extends Selection {
  readonly workflow: Workflow
  /** folder of the workflow file: relative config paths resolve against it */
  readonly baseDir: string
  /** recorded in the journal */
  readonly workflowFile?: string
  /** default: `<baseDir>/.zaoji` */
  readonly storeDir?: string
  /** `STAGE.FIELD=VALUE` overrides */
  readonly set?: ReadonlyArray<string>
  /** max stages running at once (default: the workflow's, else 4) */
  readonly concurrency?: number
  readonly onEvent?: EventSink
  /** how the run was started, for the lock holder and the journal */
  readonly command?: string
}

export interface StageOutcome {
  readonly stage: string
  readonly status: "cached" | "done" | "failed" | "skipped"
  readonly key: string
  readonly dir: string
  readonly attempts: number
}

export interface RunSummary {
  readonly runId: string
  readonly store: string
  readonly stages: ReadonlyArray<StageOutcome>
}

export interface PlanRow {
  readonly stage: string
  readonly plugin: string
  readonly key: string
  readonly action: Decision["action"]
  readonly reason: string
  readonly inputs: Readonly<Record<string, string>>
}

export const defaultStoreDir = (baseDir: string): string => path.join(baseDir, ".zaoji")

/** What a run would do, and why, without running anything. */
export const planWorkflow = (
  opts: Omit<RunOptions, "onEvent" | "concurrency" | "command">
): Effect.Effect<ReadonlyArray<PlanRow>, WorkflowInvalid> =>
  Effect.gen(function* () {
    const storeDir = opts.storeDir ?? defaultStoreDir(opts.baseDir)
    const rw = yield* resolveWithHashCache(opts, storeDir)
    // read-only: the store's journal is read when there is one, never created
    const { decisions } = yield* prepare(rw, opts, makeFsStore(storeDir), journaledLastKeys(storeDir, rw.workflow.name))
    return rw.stages.map((s) => ({
      stage: s.node.id,
      plugin: s.node.def.name,
      key: s.key,
      action: decisions.get(s.node.id)!.action,
      reason: decisions.get(s.node.id)!.reason,
      inputs: s.deps
    }))
  })

/**
 * Run a workflow: resolve and validate it (nothing runs if anything is wrong), take the store lock,
 * then execute with the fs store and the SQLite journal.
 */
export const runWorkflow = (opts: RunOptions): Effect.Effect<RunSummary, WorkflowInvalid | StoreLocked | RunFailed> =>
  Effect.gen(function* () {
    const storeDir = path.resolve(opts.storeDir ?? defaultStoreDir(opts.baseDir))
    const rw = yield* resolveWithHashCache(opts, storeDir)
    return yield* Effect.scoped(
      Effect.gen(function* () {
        yield* acquireStoreLock(storeDir, opts.command ?? `run ${opts.workflow.name}`)
        const ctx = yield* Layer.build(storeLayer(storeDir))
        return yield* executeWorkflow(rw, opts).pipe(Effect.provide(ctx))
      })
    )
  })

/** The execution proper, over whichever store and journal the context provides. Hold the lock first. */
export const executeWorkflow = (
  rw: ResolvedWorkflow,
  opts: Omit<RunOptions, "workflow" | "baseDir">
): Effect.Effect<RunSummary, WorkflowInvalid | RunFailed, ArtifactStore | Journal> =>
  Effect.scoped(Effect.gen(function* () {
    const store = yield* ArtifactStore
    const journal = yield* Journal
    yield* sweepLeftovers
    const { decisions, manifests } = yield* prepare(rw, opts, store, journal.lastKeys(rw.workflow.name))
    const gate = yield* makeGate(Math.max(1, opts.concurrency ?? rw.workflow.options.concurrency ?? 4))
    const run = yield* startRun(rw, opts, { store, journal, decisions, manifests })
    yield* Effect.forEach(rw.stages, (s) => runWhenReady(run, s, gate), { concurrency: "unbounded", discard: true }).pipe(
      Effect.onInterrupt(() => finishRun(run, "interrupted"))
    )
    return yield* endRun(run)
  }))

// internal

/** The fs artifact store and the SQLite journal, both under `storeDir`. */
const storeLayer = (storeDir: string) => Layer.merge(fsStoreLayer(storeDir), sqliteJournalLayer(storeDir))

/** Resolve a workflow, taking input-file hashes from the store's cache where the files are unchanged. */
const resolveWithHashCache = (opts: Pick<RunOptions, "workflow" | "baseDir" | "set"> & Selection, storeDir: string) =>
  Effect.sync(() => {
    const hashes = fileHashCache(storeDir)
    const rw = resolveWorkflow(opts.workflow, opts.baseDir, opts.set, opts, hashes.hash, fsStoreView(storeDir))
    if (Either.isRight(rw)) hashes.save()
    return rw
  }).pipe(Effect.flatMap((rw) => rw))

/** We hold the lock, so leftovers of earlier runs are from processes that died (kill -9, power cut). */
const sweepLeftovers = Effect.gen(function* () {
  yield* (yield* ArtifactStore).sweepTemp()
  yield* (yield* Journal).markAbandoned()
})

/**
 * Everything needed to plan, read without taking the lock (plans are read-only). `lastKeys`: the
 * journal's last finished key of each stage id, to explain what changed since; read only when a
 * stage is not built (when every stage is, nothing needs explaining).
 */
const prepare = (
  rw: ResolvedWorkflow,
  selection: Selection,
  store: ArtifactStoreApi,
  lastKeys: Effect.Effect<ReadonlyMap<string, string>>
) =>
  Effect.gen(function* () {
    const manifests = new Map<string, Manifest | undefined>()
    for (const s of rw.stages) manifests.set(s.node.id, yield* store.readManifest(s.key))
    // built: the manifest is there and its output still decodes with the stage's output Schema
    const built = new Set(rw.stages.filter((s) => loadArtifact(store, s, manifests.get(s.node.id)) !== undefined).map((s) => s.key))
    const missing = rw.stages.filter((s) => !built.has(s.key))
    const last = missing.length > 0 ? yield* lastKeys : new Map<string, string>()
    const previous = new Map<string, Manifest | undefined>()
    for (const s of missing) {
      const key = last.get(s.node.id)
      if (key !== undefined && key !== s.key) previous.set(s.node.id, yield* store.readManifest(key))
    }
    const decisions = yield* decide(rw, selection, (key) => built.has(key), (id) => previous.get(id))
    yield* checkInputs(rw, decisions)
    return { decisions, manifests }
  })

/** Every stage that will run validates its own input files now; all problems are reported at once. */
const checkInputs = (rw: ResolvedWorkflow, decisions: ReadonlyMap<string, Decision>) =>
  Effect.gen(function* () {
    const issues: Issue[] = []
    for (const s of rw.stages) {
      const check = s.node.def.check
      if (check === undefined || decisions.get(s.node.id)?.action !== "run") continue
      const r = yield* check({ config: s.config, baseDir: rw.baseDir }).pipe(
        Effect.map(() => undefined),
        Effect.catchAll((e) => Effect.succeed(e.message)),
        Effect.catchAllDefect((d) => Effect.succeed(`checking its input files failed: ${errorMessage(d)}`))
      )
      if (r !== undefined) issues.push({ stage: s.node.id, field: "", message: redactString(r) })
    }
    if (issues.length > 0) return yield* Effect.fail(new WorkflowInvalid({ workflow: rw.workflow.name, issues }))
  })

/** Limits a stage that runs holds while it runs: one of `concurrency` slots, and the device when it computes. */
interface Gate {
  readonly slots: Effect.Semaphore
  readonly device: Effect.Semaphore
}

const makeGate = (concurrency: number) =>
  Effect.all({ slots: Effect.makeSemaphore(concurrency), device: Effect.makeSemaphore(1) })

/** Run a stage once its inputs have settled, then settle it for its dependents. */
const runWhenReady = (run: EngineRun, s: ResolvedStage, { slots, device }: Gate) => {
  const d = run.decisions.get(s.node.id)!
  // cached/skipped stages take no slot; waiting for inputs happens before taking one
  const gate = (eff: Effect.Effect<Artifact<unknown>, void>) =>
    d.action !== "run" ? eff : s.node.def.compute ? slots.withPermits(1)(device.withPermits(1)(eff)) : slots.withPermits(1)(eff)
  const waitInputs = Effect.forEach(Object.values(s.deps), (dep) => Effect.either(Deferred.await(run.ready.get(dep)!)), { discard: true })
  return waitInputs.pipe(
    Effect.zipRight(gate(runStage(run, s))),
    Effect.exit,
    Effect.flatMap((ex) => Deferred.done(run.ready.get(s.node.id)!, ex))
  )
}

/** Finish the run as failed (with every failure) or done (with every stage's outcome). */
const endRun = (run: EngineRun) =>
  Effect.gen(function* () {
    const summary = summaryOf(run)
    if (run.failures.length > 0) {
      yield* finishRun(run, "failed")
      return yield* Effect.fail(new RunFailed({ runId: run.runId, failures: run.failures }))
    }
    yield* finishRun(run, "done")
    return summary
  })
