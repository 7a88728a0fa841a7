/**
 * The engine: run a resolved workflow over an artifact store and a journal. Stages start as soon as
 * their inputs are ready (bounded concurrency, one device slot for compute-heavy stages); a finished
 * stage's folder is moved into the store atomically with its manifest; failures are retried by the
 * stage's Schedule and every attempt is journaled.
 */
import { Cause, Context, Deferred, Effect, Either, Exit, Layer, Option, Schema } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { WorkflowInvalid, RunFailed, StoreLocked } from "./engineErrors.js"
import type { Issue } from "./configDecode.js"
import { PermanentError, type StageFailure } from "./errors.js"
import type { EventSink, RunEvent } from "./events.js"
import { Journal, sqliteJournalLayer, type JournalApi } from "./journal.js"
import { acquireStoreLock } from "./lock.js"
import { fileHashCache } from "./hashCache.js"
import { makeStageContext } from "./makeStageContext.js"
import { decide, resolveWorkflow, type Decision, type ResolvedStage, type ResolvedWorkflow, type Selection } from "./plan.js"
import { redact, redactString } from "./redact.js"
import { resolvePolicy, retrySchedule } from "./retry.js"
import type { Artifact } from "./Stage.js"
import { ArtifactStore, makeFsStore, type ArtifactStoreApi, type Manifest } from "./store.js"
import type { Workflow } from "./Workflow.js"

export const toolVersion: string = (() => {
  try {
    return (JSON.parse(fs.readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version
  } catch {
    return "unknown"
  }
})()

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

export const defaultStoreDir = (baseDir: string): string => path.join(baseDir, ".zaoji")

const newRunId = () => {
  const t = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "").replace("T", "-")
  return `${t}-${Math.random().toString(36).slice(2, 8)}`
}

const failureOf = (cause: Cause.Cause<StageFailure>): StageFailure => {
  const f = Cause.failureOption(cause)
  if (Option.isSome(f)) return f.value
  const d = Cause.dieOption(cause)
  const msg = Option.isSome(d) ? (d.value instanceof Error ? d.value.message : String(d.value)) : Cause.pretty(cause)
  return new PermanentError({ message: `unexpected error: ${msg}`, cause: Option.getOrUndefined(d) })
}

/** Decode a stored artifact's output; a schema that no longer accepts it means "rebuild". */
const loadArtifact = (store: ArtifactStoreApi, s: ResolvedStage, m: Manifest | undefined): Artifact<unknown> | undefined => {
  if (!m) return undefined
  const v = Schema.decodeUnknownEither(s.node.def.output)(m.output)
  return Either.isRight(v) ? { key: s.key, dir: store.artifactDir(s.key), value: v.right } : undefined
}

/** Everything needed to plan, read without taking the lock (plans are read-only). */
const prepare = (rw: ResolvedWorkflow, selection: Selection) =>
  Effect.gen(function* () {
    const store = yield* ArtifactStore
    const journal = yield* Journal
    const manifests = new Map<string, Manifest | undefined>()
    const previous = new Map<string, Manifest | undefined>()
    for (const s of rw.stages) {
      manifests.set(s.node.id, yield* store.readManifest(s.key))
      const last = yield* journal.lastKey(rw.workflow.name, s.node.id)
      previous.set(s.node.id, last && last !== s.key ? yield* store.readManifest(last) : undefined)
    }
    const has = (key: string) => {
      const s = rw.stages.find((x) => x.key === key)!
      return loadArtifact(store, s, manifests.get(s.node.id)) !== undefined
    }
    const decisions = yield* decide(rw, selection, has, (id) => previous.get(id))
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
        Effect.catchAllDefect((d) => Effect.succeed(`checking its input files failed: ${d instanceof Error ? d.message : String(d)}`))
      )
      if (r !== undefined) issues.push({ stage: s.node.id, field: "", message: redactString(r) })
    }
    if (issues.length > 0) return yield* Effect.fail(new WorkflowInvalid({ workflow: rw.workflow.name, issues }))
  })

export interface PlanRow {
  readonly stage: string
  readonly plugin: string
  readonly key: string
  readonly action: Decision["action"]
  readonly reason: string
  readonly inputs: Readonly<Record<string, string>>
}

/** Resolve a workflow, taking input-file hashes from the store's cache where the files are unchanged. */
const resolveWithHashCache = (opts: Pick<RunOptions, "workflow" | "baseDir" | "set"> & Selection, storeDir: string) =>
  Effect.sync(() => {
    const hashes = fileHashCache(storeDir)
    const rw = resolveWorkflow(opts.workflow, opts.baseDir, opts.set, opts, hashes.hash)
    if (Either.isRight(rw)) hashes.save()
    return rw
  }).pipe(Effect.flatMap((rw) => rw))

/** What a run would do, and why, without running anything. */
export const planWorkflow = (
  opts: Omit<RunOptions, "onEvent" | "concurrency" | "command">
): Effect.Effect<ReadonlyArray<PlanRow>, WorkflowInvalid> =>
  Effect.gen(function* () {
    const storeDir = opts.storeDir ?? defaultStoreDir(opts.baseDir)
    const rw = yield* resolveWithHashCache(opts, storeDir)
    const { decisions } = yield* prepare(rw, opts).pipe(
      Effect.provide(Layer.merge(Layer.succeed(ArtifactStore, makeFsStore(storeDir)), sqliteJournalLayer(storeDir)))
    )
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
        const layer = Layer.merge(Layer.succeed(ArtifactStore, makeFsStore(storeDir)), sqliteJournalLayer(storeDir))
        const ctx = yield* Layer.build(layer)
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
    // we hold the lock, so leftovers of earlier runs are from processes that died (kill -9, power cut)
    yield* store.sweepTemp()
    yield* journal.markAbandoned()
    const { decisions, manifests } = yield* prepare(rw, opts)
    const emit = (e: RunEvent) => Effect.sync(() => opts.onEvent?.(e))
    const runId = newRunId()
    const workflowName = rw.workflow.name
    const concurrency = Math.max(1, opts.concurrency ?? rw.workflow.options.concurrency ?? 4)
    const slots = yield* Effect.makeSemaphore(concurrency)
    const device = yield* Effect.makeSemaphore(1)
    const services: Context.Context<any> = rw.workflow.options.layer
      ? yield* Layer.build(rw.workflow.options.layer as Layer.Layer<any, never, never>)
      : (Context.empty() as Context.Context<any>)

    yield* journal.startRun({
      id: runId,
      workflow: workflowName,
      workflowFile: opts.workflowFile ?? "",
      command: redactString(opts.command ?? ""),
      pid: process.pid,
      startedAt: new Date().toISOString()
    })
    yield* emit({ type: "run", status: "started", run: runId, workflow: workflowName, store: store.root, stages: rw.stages.length })

    const ready = new Map<string, Deferred.Deferred<Artifact<unknown>, void>>()
    for (const s of rw.stages) ready.set(s.node.id, yield* Deferred.make<Artifact<unknown>, void>())
    const outcomes = new Map<string, StageOutcome>()
    const failures: Array<RunFailed["failures"][number]> = []

    const runOne = (s: ResolvedStage): Effect.Effect<Artifact<unknown>, void> =>
      Effect.gen(function* () {
        const id = s.node.id
        const def = s.node.def
        const decision = decisions.get(id)!
        const base = { stage: id, key: s.key, plugin: def.name }
        const record = (status: StageOutcome["status"], attempts: number, reason: string, error: string | null, startedAt: string | null) =>
          Effect.zipRight(
            journal.stage({ runId, stageId: id, key: s.key, plugin: def.name, status, reason, attempts, error, startedAt, endedAt: new Date().toISOString() }),
            Effect.sync(() => outcomes.set(id, { stage: id, status, key: s.key, dir: store.artifactDir(s.key), attempts }))
          )

        if (decision.action === "skip") {
          const a = loadArtifact(store, s, manifests.get(id))
          return a ? a : yield* Effect.fail(undefined)
        }

        const inputs: Record<string, Artifact<unknown>> = {}
        for (const [name, dep] of Object.entries(s.deps)) {
          const got = yield* Effect.either(Deferred.await(ready.get(dep)!))
          if (Either.isLeft(got)) {
            yield* record("skipped", 0, `upstream stage ${dep} did not complete`, null, null)
            yield* emit({ type: "stage", status: "skipped", ...base, reason: `upstream stage ${dep} did not complete` })
            return yield* Effect.fail(undefined)
          }
          inputs[name] = got.right
        }

        if (decision.action === "cached") {
          yield* record("cached", 0, decision.reason, null, null)
          yield* emit({ type: "stage", status: "cached", ...base, reason: decision.reason })
          return loadArtifact(store, s, manifests.get(id))!
        }

        const policy = resolvePolicy(def.retry, s.node.options.retry)
        const startedAt = new Date().toISOString()
        const t0 = Date.now()
        let attempts = 0
        const metrics: Record<string, unknown> = {}
        let firstProgress: { t: number; done: number } | undefined
        let lastJournaled = 0

        const exit = yield* Effect.exit(
          Effect.scoped(
            Effect.gen(function* () {
              const outDir = yield* store.tempDir(id)
              const attempt = Effect.suspend(() => {
                attempts++
                const n = attempts
                // each attempt starts from an empty output folder; the checkpoint carries what survives
                for (const f of fs.readdirSync(outDir)) fs.rmSync(path.join(outDir, f), { recursive: true, force: true })
                const controller = new AbortController()
                const ctx = makeStageContext({
                  stageId: id,
                  key: s.key,
                  outDir,
                  baseDir: rw.baseDir,
                  checkpointDir: store.checkpointDir(s.key),
                  signal: controller.signal,
                  allowedEndpoints: rw.workflow.options.allowEndpoints ?? [],
                  onProgress: (done, total, unit, extra) =>
                    Effect.gen(function* () {
                      const now = Date.now()
                      if (!firstProgress || done < firstProgress.done) firstProgress = { t: now, done }
                      const rate = done > firstProgress.done ? (done - firstProgress.done) / ((now - firstProgress.t) / 1000) : 0
                      const etaSeconds = rate > 0 ? Math.max(0, (total - done) / rate) : undefined
                      yield* emit({ ...(extra ?? {}), type: "progress", stage: id, done, total, unit, ...(etaSeconds !== undefined ? { etaSeconds: Math.round(etaSeconds * 10) / 10 } : {}) })
                      // journal progress at most a few times a second; always the last one
                      if (now - lastJournaled >= 250 || done >= total) {
                        lastJournaled = now
                        yield* journal.progress(runId, id, done, total, unit)
                      }
                    }),
                  onLog: (level, message, fields) =>
                    Effect.zipRight(
                      emit({ type: "log", stage: id, level, message, ...(fields ? { fields } : {}) }),
                      journal.event(runId, id, "log", { level, message, fields })
                    ),
                  onMetric: (name, value) =>
                    Effect.sync(() => {
                      metrics[name] = value
                    })
                })
                return Effect.gen(function* () {
                  yield* journal.attemptStart({ runId, stageId: id, key: s.key, attempt: n, startedAt: new Date().toISOString() })
                  yield* journal.stage({ runId, stageId: id, key: s.key, plugin: def.name, status: "running", reason: decision.reason, attempts: n, error: null, startedAt, endedAt: null })
                  yield* emit({ type: "stage", status: "running", ...base, attempt: n, reason: decision.reason })
                  const run = def.run({ config: s.config, inputs, ctx }) as Effect.Effect<unknown, StageFailure, any>
                  return yield* run.pipe(
                    Effect.provide(services),
                    Effect.catchAllCause((c) => (Cause.isInterruptedOnly(c) ? Effect.failCause(c as Cause.Cause<never>) : Effect.fail(failureOf(c)))),
                    Effect.onInterrupt(() => Effect.sync(() => controller.abort())),
                    Effect.tapBoth({
                      onFailure: (e) =>
                        journal.attemptEnd({ runId, stageId: id, attempt: n, endedAt: new Date().toISOString(), status: "failed", errorTag: e._tag, error: redactString(e.message) }),
                      onSuccess: () =>
                        journal.attemptEnd({ runId, stageId: id, attempt: n, endedAt: new Date().toISOString(), status: "done", errorTag: null, error: null })
                    })
                  ) as Effect.Effect<unknown, StageFailure>
                })
              })
              const value = yield* attempt.pipe(
                Effect.retry(
                  retrySchedule(policy, (e, delayMs) =>
                    Effect.zipRight(
                      emit({ type: "stage", status: "retrying", ...base, attempt: attempts, delayMs, error: redactString(e.message), errorTag: e._tag }),
                      journal.event(runId, id, "retrying", { attempt: attempts, delayMs, error: redactString(e.message) })
                    )
                  )
                )
              )
              const encoded = yield* Schema.encode(def.output)(value).pipe(
                Effect.mapError((e) => new PermanentError({ message: `stage ${def.name} returned a value its output schema rejects: ${e.message}` }))
              )
              const output = JSON.parse(JSON.stringify(encoded)) as unknown
              const manifest: Manifest = {
                zaoji: 1,
                key: s.key,
                workflow: workflowName,
                stage: { id, plugin: def.name, version: def.version },
                config: s.keyConfig,
                inputs: Object.fromEntries(Object.entries(s.deps).map(([name, dep]) => [name, { stage: dep, key: rw.byId.get(dep)!.key }])),
                files: s.files,
                output,
                metrics: redact(metrics),
                startedAt,
                endedAt: new Date().toISOString(),
                attempts,
                runId,
                toolVersion
              }
              yield* store.commit(outDir, manifest)
              yield* store.clearCheckpoint(s.key)
              const decodedValue = yield* Schema.decodeUnknown(def.output)(output).pipe(
                Effect.mapError((e) => new PermanentError({ message: `stage ${def.name}'s output does not survive JSON: ${e.message}` }))
              )
              return { key: s.key, dir: store.artifactDir(s.key), value: decodedValue } as Artifact<unknown>
            })
          )
        )
        if (Exit.isSuccess(exit)) {
          yield* record("done", attempts, decision.reason, null, startedAt)
          yield* emit({ type: "stage", status: "done", ...base, attempt: attempts, durationMs: Date.now() - t0 })
          return exit.value
        }
        if (Cause.isInterruptedOnly(exit.cause)) return yield* Effect.interrupt
        const e = failureOf(exit.cause)
        // a message that already names its location (file:line lists do) is not given it twice
        const location = "location" in e && e.location && !e.message.includes(e.location) ? ` (at ${e.location})` : ""
        const message = redactString(e.message + location)
        yield* record("failed", attempts, decision.reason, message, startedAt)
        yield* emit({ type: "stage", status: "failed", ...base, attempt: attempts, error: message, errorTag: e._tag })
        failures.push({ stage: id, tag: e._tag, message, attempts })
        return yield* Effect.fail(undefined)
      })

    const runGated = (s: ResolvedStage) => {
      const d = decisions.get(s.node.id)!
      // cached/skipped stages take no slot; waiting for inputs happens before taking one
      const gate = (eff: Effect.Effect<Artifact<unknown>, void>) =>
        d.action !== "run" ? eff : s.node.def.compute ? slots.withPermits(1)(device.withPermits(1)(eff)) : slots.withPermits(1)(eff)
      const waitInputs = Effect.forEach(Object.values(s.deps), (dep) => Effect.either(Deferred.await(ready.get(dep)!)), { discard: true })
      return waitInputs.pipe(
        Effect.zipRight(gate(runOne(s))),
        Effect.exit,
        Effect.flatMap((ex) => Deferred.done(ready.get(s.node.id)!, ex))
      )
    }

    const finish = (status: "done" | "failed" | "interrupted") =>
      Effect.zipRight(journal.endRun(runId, status), emit({ type: "run", status, run: runId, workflow: workflowName, store: store.root }))

    yield* Effect.forEach(rw.stages, runGated, { concurrency: "unbounded", discard: true }).pipe(
      Effect.onInterrupt(() => finish("interrupted"))
    )
    const summary: RunSummary = {
      runId,
      store: store.root,
      stages: rw.stages.map((s) => outcomes.get(s.node.id) ?? { stage: s.node.id, status: "skipped", key: s.key, dir: store.artifactDir(s.key), attempts: 0 })
    }
    if (failures.length > 0) {
      yield* finish("failed")
      return yield* Effect.fail(new RunFailed({ runId, failures }))
    }
    yield* finish("done")
    return summary
  }))
