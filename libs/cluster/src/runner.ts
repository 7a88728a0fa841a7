/**
 * A runner: one process that serves stage requests from the cluster. It joins @effect/cluster over
 * PostgreSQL (runner and message storage, shard locks) with a socket server other processes reach it
 * on, serves the `StageExecution` entity for the shard groups its tags allow, runs at most `slots`
 * stages at once, and writes a heartbeat with its tags for `zaoji status --cluster`.
 */
import { RunnerAddress } from "@effect/cluster"
import * as NodeClusterSocket from "@effect/platform-node/NodeClusterSocket"
import { SqlClient } from "@effect/sql"
import { ItemJob, Journal } from "@zaoji/core"
// the LLM client's item job (one chat request): every runner must know it to take fanned-out LLM items
import "@zaoji/llm"
import { Effect, Layer, Option, Schedule } from "effect"
import * as os from "node:os"
import { executeStage, type StageHost } from "./executeStage.js"
import { executeItem, ItemExecution, makeItemRunner } from "./itemFanOut.js"
import { type ClusterUnavailable, pgLayer } from "./pg.js"
import { pgJournalLayer } from "./pgJournal.js"
import { Placements, placementsLayer } from "./placements.js"
import { clusterSharding, heartbeatEvery } from "./settings.js"
import { groupsOfTags, StageExecution } from "./StageEntity.js"

export interface RunnerOptions extends Omit<StageHost, "runnerId"> {
  /** `postgres://user@host:port/db` */
  readonly url: string
  /** e.g. `["gpu", "mem=80G"]`: a `gpu` tag lets the runner take stages that declare the device */
  readonly tags: ReadonlyArray<string>
  /** stages run at once on this runner */
  readonly slots: number
  /** the address other processes reach this runner on */
  readonly host: string
  readonly port: number
  /** called once the runner has joined the cluster */
  readonly onReady?: (runnerId: string) => void
}

/** Run until interrupted (Ctrl-C): join, serve, heartbeat; on the way out mark the runner stopped. */
export const runRunner = (o: RunnerOptions): Effect.Effect<never, ClusterUnavailable> => {
  const runnerId = `${o.host}:${o.port}`
  const host: StageHost = {
    runnerId,
    loadWorkflow: o.loadWorkflow,
    ...(o.onEvent ? { onEvent: o.onEvent } : {})
  }
  const cluster = NodeClusterSocket.layer({
    storage: "sql",
    shardingConfig: {
      ...clusterSharding,
      runnerAddress: Option.some(RunnerAddress.make(o.host, o.port)),
      assignedShardGroups: groupsOfTags(o.tags)
    }
  })
  // one limit for the whole runner: the handler below is built once per entity (stage key), not once per runner
  const slots = Effect.unsafeMakeSemaphore(Math.max(1, o.slots))
  const entity = StageExecution.toLayer(
    Effect.gen(function* () {
      const ctx = yield* Effect.context<Placements | Journal | SqlClient.SqlClient>()
      return {
        Run: (request) =>
          slots.withPermits(1)(
            // the stage's items (ItemJob.runItem) fan out over the runners
            executeStage(request.payload, host).pipe(
              Effect.provideServiceEffect(ItemJob.ItemRunner, makeItemRunner(request.payload.key, request.payload.workflowFile, runnerId))
            )
          ).pipe(Effect.provide(ctx))
      }
    }),
    { concurrency: 1 }
  )
  // items wait on endpoints, not on this thread: they take no stage slot; the cluster-wide slots of
  // their resource bound them
  const items = ItemExecution.toLayer(
    Effect.gen(function* () {
      const ctx = yield* Effect.context<Placements | SqlClient.SqlClient>()
      return { Run: (request) => executeItem(request.payload, host).pipe(Effect.provide(ctx)) }
    }),
    { concurrency: "unbounded" }
  )
  const presence = Layer.scopedDiscard(
    Effect.gen(function* () {
      const placements = yield* Placements
      yield* placements.registerRunner({
        id: runnerId, host: os.hostname(), pid: process.pid, address: runnerId, tags: o.tags, slots: o.slots, startedAt: new Date().toISOString()
      })
      yield* Effect.addFinalizer(() => placements.runnerStopped(runnerId).pipe(Effect.timeout("2 seconds"), Effect.ignore))
      yield* placements.heartbeat(runnerId).pipe(Effect.repeat(Schedule.spaced(heartbeatEvery)), Effect.ignore, Effect.forkScoped)
      yield* Effect.sync(() => o.onReady?.(runnerId))
    })
  )
  return Layer.launch(
    Layer.mergeAll(entity, items, presence).pipe(
      Layer.provide(cluster),
      Layer.provide(Layer.mergeAll(placementsLayer, pgJournalLayer)),
      // each running stage holds one connection (its lock) and writes its journal through others;
      // @effect/cluster keeps one for shard locks and polls storage through the rest
      // (items: one more per item in flight on this runner, while it holds an endpoint slot)
      Layer.provide(pgLayer(o.url, { maxConnections: 2 * Math.max(1, o.slots) + 8 + itemConnections }))
    )
  ).pipe(
    // the cluster layer's configuration is ours (settings.ts): a bad one is a bug, not the user's input
    Effect.catchAll((e) => (e._tag === "ClusterUnavailable" ? Effect.fail(e) : Effect.die(e)))
  ) as Effect.Effect<never, ClusterUnavailable>
}

// internal

/** connections set aside for fanned-out items holding an endpoint slot */
const itemConnections = 16
