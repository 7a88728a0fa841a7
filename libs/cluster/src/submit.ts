/**
 * `zaoji run WF --cluster URL`: plan here, execute on the runners. The workflow is resolved and every
 * stage decided (cached / run / skip) exactly as the embedded engine does, against the shared store;
 * then each stage to run is sent, as soon as its inputs are done, to the `StageExecution` entity of its
 * cache key in the shard group its needs select (`compute` stages — training, evaluation — declare the
 * device and go to `gpu` runners; the rest run anywhere). The submitter holds no lock and keeps nothing
 * of its own: a killed submitter leaves its requests in the cluster, and a new one finds the finished
 * stages cached and joins the running ones (same entity, same key) instead of starting them again.
 */
import * as NodeClusterSocket from "@effect/platform-node/NodeClusterSocket"
import {
  ArtifactStore, decide, fileHashCache, Journal, resolveWorkflow, RunFailed, type RunEvent, type RunSummary, type Selection,
  type StageOutcome, type Workflow, WorkflowInvalid
} from "@zaoji/core"
import { Deferred, Effect, Either, Layer } from "effect"
import * as path from "node:path"
import { ClusterUnavailable, databaseWatchdog, pgLayer } from "./pg.js"
import { pgJournalLayer } from "./pgJournal.js"
import { Placements, placementsLayer } from "./placements.js"
import { clusterSharding, goneAfterSeconds } from "./settings.js"
import { sharedStoreLayer, sharedStoreView } from "./sharedStore.js"
import { groupsOfTags, stageEntityId, StageExecution, type StageReply } from "./StageEntity.js"

export interface SubmitOptions extends Selection {
  readonly url: string
  readonly workflow: Workflow.Workflow
  readonly workflowFile: string
  readonly baseDir: string
  /** the shared store (default `<baseDir>/.zaoji`, which must then be on the shared filesystem) */
  readonly storeDir?: string
  readonly set?: ReadonlyArray<string>
  readonly onEvent?: (e: RunEvent & { readonly runner?: string }) => void
}

export const submitWorkflow = (o: SubmitOptions): Effect.Effect<RunSummary, WorkflowInvalid | RunFailed | ClusterUnavailable> => {
  const storeDir = path.resolve(o.storeDir ?? path.join(o.baseDir, ".zaoji"))
  const cluster = NodeClusterSocket.layer({ clientOnly: true, storage: "sql", shardingConfig: clusterSharding })
  return submit(o, storeDir).pipe(
    Effect.provide(Layer.mergeAll(cluster, placementsLayer, pgJournalLayer, sharedStoreLayer(storeDir)).pipe(Layer.provideMerge(pgLayer(o.url)))),
    Effect.scoped,
    // the cluster layer's configuration is ours (settings.ts): a bad one is a bug, not the user's input
    Effect.catchAll((e) =>
      e instanceof WorkflowInvalid || e instanceof RunFailed || e instanceof ClusterUnavailable ? Effect.fail(e) : Effect.die(e)
    )
  )
}

// internal

/** how long the submitter waits on a database that does not answer before it gives up */
const lostDatabaseAfter = "10 seconds"

const submit = (o: SubmitOptions, storeDir: string) =>
  Effect.gen(function* () {
    const emit = (e: RunEvent & { readonly runner?: string }) => Effect.sync(() => o.onEvent?.(e))
    const store = yield* ArtifactStore
    const journal = yield* Journal
    const placements = yield* Placements
    const selection: Selection = { force: o.force ?? [], from: o.from ?? [], only: o.only ?? [] }
    const hashes = fileHashCache(storeDir)
    const rw = yield* resolveWorkflow(o.workflow, o.baseDir, o.set, selection, hashes.hash, sharedStoreView(storeDir))
    hashes.save()
    const built = new Set<string>()
    const previous = new Map<string, unknown>()
    const lastKeys = yield* journal.lastKeys(rw.workflow.name)
    for (const s of rw.stages) {
      if ((yield* store.readManifest(s.key)) !== undefined) built.add(s.key)
      const last = lastKeys.get(s.node.id)
      if (last && last !== s.key) previous.set(s.node.id, yield* store.readManifest(last))
    }
    const decisions = yield* decide(rw, selection, (k) => built.has(k), (id) => previous.get(id) as any)
    const submission = newSubmissionId()
    yield* placements.startSubmission({ id: submission, workflow: rw.workflow.name, workflowFile: o.workflowFile, store: storeDir, startedAt: new Date().toISOString() })
    yield* emit({ type: "run", status: "started", run: submission, workflow: rw.workflow.name, store: storeDir, stages: rw.stages.length })
    const client = yield* StageExecution.client
    const live = (yield* placements.runners()).filter((r) => r.stoppedAt === null && r.silentFor <= goneAfterSeconds)
    const done = new Map(rw.stages.map((s) => [s.node.id, Deferred.unsafeMake<void, void>(undefined as any)]))
    const outcomes = new Map<string, StageOutcome>()
    const failures: Array<RunFailed["failures"][number]> = []

    const one = (s: (typeof rw.stages)[number]) =>
      Effect.gen(function* () {
        const d = decisions.get(s.node.id)!
        const plugin = s.node.def.name
        const outcome = (status: StageOutcome["status"], attempts = 0) =>
          outcomes.set(s.node.id, { stage: s.node.id, status, key: s.key, dir: store.artifactDir(s.key), attempts })
        for (const dep of Object.values(s.deps)) {
          if (Either.isLeft(yield* Effect.either(Deferred.await(done.get(dep)!)))) {
            if (d.action !== "skip") yield* emit({ type: "stage", stage: s.node.id, status: "skipped", key: s.key, plugin, reason: `upstream stage ${dep} did not complete` })
            outcome("skipped")
            return yield* Effect.fail(undefined)
          }
        }
        if (d.action === "skip") {
          if (!built.has(s.key)) return yield* Effect.fail(undefined)
          outcome("skipped")
          return
        }
        if (d.action === "cached") {
          yield* emit({ type: "stage", stage: s.node.id, status: "cached", key: s.key, plugin, reason: d.reason })
          outcome("cached")
          return
        }
        const group = s.node.def.compute ? "gpu" : "default"
        if (!live.some((r) => groupsOfTags(r.tags).includes(group))) {
          // not an error: the request is stored and runs when such a runner joins
          yield* emit({ type: "log", stage: s.node.id, level: "warn", message: `no ${group === "gpu" ? "runner tagged gpu" : "runner"} is up; stage ${s.node.id} waits until one joins` })
        }
        yield* emit({ type: "stage", stage: s.node.id, status: "running", key: s.key, plugin, reason: `${d.reason}; sent to a ${group} runner` })
        const t0 = Date.now()
        const reply: StageReply = yield* client(stageEntityId(group, s.key))
          .Run({
            submission, workflowFile: o.workflowFile, storeDir, set: [...(o.set ?? [])], stageId: s.node.id, key: s.key,
            // a stage decided "run" although its artifact is built was asked for (--force, --from, --only)
            force: built.has(s.key)
          })
          .pipe(Effect.catchAllCause((c) => Effect.succeed<StageReply>({ status: "failed", runner: "?", error: `the cluster did not deliver stage ${s.node.id}: ${String(c).split("\n")[0]}` })))
        const durationMs = Date.now() - t0
        if (reply.status === "failed") {
          yield* emit({ type: "stage", stage: s.node.id, status: "failed", key: s.key, plugin, error: reply.error ?? "failed", durationMs, runner: reply.runner })
          failures.push({ stage: s.node.id, tag: "StageFailed", message: `on runner ${reply.runner}: ${reply.error ?? "failed"}`, attempts: reply.attempts ?? 1 })
          outcome("failed", reply.attempts ?? 1)
          return yield* Effect.fail(undefined)
        }
        yield* emit({
          type: "stage", stage: s.node.id, status: reply.status, key: s.key, plugin, durationMs, runner: reply.runner,
          ...(reply.status === "cached" ? { reason: `finished meanwhile (runner ${reply.runner})` } : {})
        })
        outcome(reply.status, reply.attempts ?? 0)
      }).pipe(
        Effect.asVoid,
        Effect.exit,
        Effect.flatMap((ex) => Deferred.done(done.get(s.node.id)!, ex))
      )

    // a lost database ends the submission with a clear error; the requests already sent stay stored in it
    // and run when it is back (submitting again follows them)
    yield* Effect.forEach(rw.stages, one, { concurrency: "unbounded", discard: true }).pipe(
      Effect.raceFirst(databaseWatchdog(o.url, lostDatabaseAfter)),
      Effect.onInterrupt(() => placements.endSubmission(submission, "interrupted"))
    )
    const summary: RunSummary = {
      runId: submission,
      store: storeDir,
      stages: rw.stages.map((s) => outcomes.get(s.node.id) ?? { stage: s.node.id, status: "skipped", key: s.key, dir: store.artifactDir(s.key), attempts: 0 })
    }
    const status = failures.length > 0 ? "failed" : "done"
    yield* placements.endSubmission(submission, status)
    yield* emit({ type: "run", status, run: submission, workflow: rw.workflow.name, store: storeDir })
    if (failures.length > 0) return yield* Effect.fail(new RunFailed({ runId: submission, failures }))
    return summary
  })

const newSubmissionId = () => {
  const t = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "").replace("T", "-")
  return `c${t}-${Math.random().toString(36).slice(2, 8)}`
}
