/**
 * What a runner does with one stage request: take the stage's cluster-wide lock, answer "cached" when
 * the artifact is already in the shared store (another runner or an earlier request finished it),
 * else resolve the workflow exactly as the submitter did and let the engine execute just that stage
 * (`only`) over the shared store and the cluster journal. Its checkpoint lives in the shared store,
 * so a stage that moves here from a dead runner resumes where that one stopped. It never fails: every
 * outcome, a lost database included, is a reply (or, when the database is gone, no reply at all and
 * the request stays for a runner that can answer it).
 */
import { SqlClient } from "@effect/sql"
import {
  errorMessage, executeWorkflow, fileHashCache, Journal, resolveWorkflow, RunFailed, type ResolvedStage, type ResolvedWorkflow,
  type RunEvent, type Workflow
} from "@zaoji/core"
import { Cause, Effect, Either } from "effect"
import { Placements } from "./placements.js"
import { makeSharedStore, sharedStoreLayer, sharedStoreView } from "./sharedStore.js"
import type { StageReply, StageRequest } from "./StageEntity.js"
import { withStageLock } from "./stageLock.js"

export interface LoadedWorkflow {
  readonly workflow: Workflow.Workflow
  readonly file: string
  readonly baseDir: string
}

export interface StageHost {
  readonly runnerId: string
  readonly loadWorkflow: (file: string) => Effect.Effect<LoadedWorkflow, unknown>
  readonly onEvent?: (e: RunEvent) => void
}

export const executeStage = (req: StageRequest, host: StageHost): Effect.Effect<StageReply, never, SqlClient.SqlClient | Placements | Journal> =>
  withStageLock(req.key, Effect.gen(function* () {
    const placements = yield* Placements
    const store = makeSharedStore(req.storeDir)
    if (!req.force && (yield* store.readManifest(req.key)) !== undefined) {
      const id = yield* placements.start({ submission: req.submission, stageId: req.stageId, key: req.key, runner: host.runnerId })
      yield* placements.end(id, "cached", {})
      return reply(host, "cached")
    }
    const loaded = yield* host.loadWorkflow(req.workflowFile).pipe(Effect.either)
    if (Either.isLeft(loaded)) return reply(host, "failed", { error: `cannot load ${req.workflowFile} on this runner: ${errorMessage(loaded.left)}` })
    const { workflow, file, baseDir } = loaded.right
    const hashes = fileHashCache(req.storeDir)
    const rw = resolveWorkflow(workflow, baseDir, req.set, { only: [req.stageId] }, hashes.hash, sharedStoreView(req.storeDir))
    if (Either.isLeft(rw)) return reply(host, "failed", { error: rw.left.message })
    const mine = rw.right.byId.get(req.stageId)
    if (mine === undefined || mine.key !== req.key) {
      return reply(host, "failed", {
        error: `stage ${req.stageId} resolves to key ${mine?.key ?? "(none)"} on runner ${host.runnerId}, not ${req.key}: its files or workflow differ from the submitter's`
      })
    }
    const placement = yield* placements.start({ submission: req.submission, stageId: req.stageId, key: req.key, runner: host.runnerId })
    const outcome = yield* executeWorkflow(justThisStage(rw.right, mine), {
      only: [req.stageId],
      set: req.set,
      workflowFile: file,
      concurrency: 1,
      command: `zaoji runner ${host.runnerId}: ${workflow.name}/${req.stageId} for ${req.submission}`,
      onEvent: host.onEvent
    }).pipe(Effect.provide(sharedStoreLayer(req.storeDir)), Effect.either)
    if (Either.isRight(outcome)) {
      const attempts = outcome.right.stages.find((s) => s.stage === req.stageId)?.attempts
      yield* placements.end(placement, "done", { engineRun: outcome.right.runId })
      return reply(host, "done", { engineRun: outcome.right.runId, ...(attempts !== undefined ? { attempts } : {}) })
    }
    const e = outcome.left
    const error = e instanceof RunFailed ? e.failures.map((f) => f.message).join("; ") : e.message
    yield* placements.end(placement, "failed", { engineRun: e instanceof RunFailed ? e.runId : null, error })
    return reply(host, "failed", { error, ...(e instanceof RunFailed ? { engineRun: e.runId } : {}) })
  })).pipe(
    // a lost database (or any defect) ends this request without a reply being stored; say so on the runner
    Effect.catchAllCause((cause) =>
      Cause.isInterruptedOnly(cause)
        ? Effect.interrupt
        : Effect.succeed(reply(host, "failed", { error: `runner ${host.runnerId} could not execute stage ${req.stageId}: ${Cause.pretty(cause).split("\n")[0]}` }))
    )
  )

// internal

/**
 * The resolved workflow cut down to the stage and the stages it reads from: the engine plans and
 * journals only these (read from the store), instead of looking up every stage of a large workflow
 * for each stage a runner executes.
 */
const justThisStage = (rw: ResolvedWorkflow, stage: ResolvedStage): ResolvedWorkflow => {
  const keep = new Set([stage.node.id, ...Object.values(stage.deps)])
  const stages = rw.stages.filter((s) => keep.has(s.node.id))
  return { ...rw, stages, byId: new Map(stages.map((s) => [s.node.id, s])) }
}

const reply = (host: StageHost, status: StageReply["status"], extra: Omit<StageReply, "status" | "runner"> = {}): StageReply => ({
  status,
  runner: host.runnerId,
  ...extra
})
