/**
 * Per-item fan-out: a stage executing on a runner sends each of its items (`ItemJob`s from
 * @zaoji/core: one LLM request, …) as a persisted message to the `ZaojiItem` entity named after the
 * item, so the items of one stage spread over every runner by their shards; a runner that dies has
 * its items delivered again to the next owner of its shards. The runner that executes an item holds
 * one of the cluster's slots for the item's resource (a PostgreSQL advisory lock, freed by the server
 * when that runner's connection closes) and takes its start time from a per-resource pacing row
 * updated in one statement, so the concurrency and the start rate of an endpoint hold over the whole
 * cluster, whichever stages and runners use it.
 *
 * The stage itself does not change: it asks for its items, persists each finished one in its
 * checkpoint and retries as on one machine; only where the request is made differs.
 */
import { ClusterSchema, Entity } from "@effect/cluster"
import { Rpc } from "@effect/rpc"
import { SqlClient } from "@effect/sql"
import { canonicalJson, errorMessage, ItemJob, PermanentError, sha256, TransientError } from "@zaoji/core"
import { Duration, Effect, Exit, Schema, Scope } from "effect"
import * as os from "node:os"
import { Placements } from "./placements.js"
import { stageLockHeld } from "./stageLock.js"

export const ItemRequest = Schema.Struct({
  /** the job's name (`ItemJob.make`) */
  job: Schema.String,
  /** the job's input, encoded by its schema */
  input: Schema.Unknown,
  /** the stage that asked (its cache key), for the journal */
  stageKey: Schema.String,
  /** the workflow file: a runner that does not know the job yet loads it (its plugins define their jobs) */
  workflowFile: Schema.String,
  /** the host of the runner that asked: `same-host` jobs run only there */
  originHost: Schema.String,
  /** the runner executing the stage that asked */
  originRunner: Schema.String
})
export type ItemRequest = typeof ItemRequest.Type

export const ItemFailure = Schema.Struct({
  kind: Schema.Literal("transient", "permanent", "not-here"),
  message: Schema.String,
  retryAfterMs: Schema.optional(Schema.Number)
})
export type ItemFailure = typeof ItemFailure.Type

export const ItemExecution = Entity.make("ZaojiItem", [
  Rpc.make("Run", { payload: ItemRequest, success: Schema.Unknown, error: ItemFailure })
]).annotateRpcs(ClusterSchema.Persisted, true)

export interface ItemHost {
  readonly runnerId: string
  /** load a workflow file (and so the plugins it imports, which define their item jobs) */
  readonly loadWorkflow: (file: string) => Effect.Effect<unknown, unknown>
}

/** What a runner does with one item: find the job, check it may run here, run it under the cluster's limits, journal it. */
export const executeItem = (req: ItemRequest, host: ItemHost): Effect.Effect<unknown, ItemFailure, SqlClient.SqlClient | Placements> =>
  Effect.gen(function* () {
    const job = yield* findJob(req, host)
    const input = yield* Schema.decodeUnknown(job.input)(req.input).pipe(
      Effect.mapError((e): ItemFailure => ({ kind: "permanent", message: `item of ${req.job}: input does not match its schema: ${e.message}` }))
    )
    if (job.placement(input) === "same-host" && req.originHost !== os.hostname())
      return yield* Effect.fail<ItemFailure>({ kind: "not-here", message: `${req.job} runs on ${req.originHost} only` })
    const placements = yield* Placements
    const row = yield* placements.itemStart({ stageKey: req.stageKey, job: req.job, item: itemId(req), runner: host.runnerId })
    // a request left behind by a stage whose runner died is dropped: the runner that resumes the stage
    // asks again for what it still needs, so running it would pay twice
    const out: unknown = yield* withClusterLimits(job, input, askerAlive(req)).pipe(
      Effect.tapError((e) => placements.itemEnd(row, "failed", e.message)),
      Effect.mapError(toFailure)
    )
    yield* placements.itemEnd(row, "done", null)
    return yield* Schema.encode(job.output)(out).pipe(
      Effect.mapError((e): ItemFailure => ({ kind: "permanent", message: `result of ${req.job} does not match its schema: ${e.message}` }))
    )
  })

/**
 * The `ItemRunner` a runner provides to the stage `stageKey` it executes: each item goes to the
 * entity of its input's hash (so the same item always lands on the same runner while the shards stay
 * put); an item that may only run on this host and landed elsewhere runs here, under the same limits.
 */
export const makeItemRunner = (stageKey: string, workflowFile: string, runnerId: string) =>
  Effect.gen(function* () {
    const client = yield* ItemExecution.client
    const ctx = yield* Effect.context<SqlClient.SqlClient | Placements>()
    const run = <I, O>(job: ItemJob.ItemJob<I, O>, input: I): Effect.Effect<O, ItemJob.ItemError> =>
      Effect.gen(function* () {
        const encoded = yield* Schema.encode(job.input)(input).pipe(Effect.orDie)
        const req: ItemRequest = { job: job.name, input: encoded, stageKey, workflowFile, originHost: os.hostname(), originRunner: runnerId }
        const reply = yield* client(entityOf(req))
          .Run(req)
          .pipe(
            Effect.catchAll((e) =>
              "kind" in e && e.kind === "not-here"
                ? withClusterLimits(job, input).pipe(Effect.flatMap((o) => Schema.encode(job.output)(o).pipe(Effect.orDie)), Effect.provide(ctx))
                : Effect.fail(fromFailure(e))
            ),
            // the cluster could not deliver (storage or transport trouble): worth another attempt
            Effect.catchAllDefect((d) => Effect.fail(new TransientError({ message: `the cluster did not deliver an item of ${job.name}: ${errorMessage(d)}` })))
          )
        return yield* Schema.decodeUnknown(job.output)(reply).pipe(
          Effect.mapError((e) => new PermanentError({ message: `result of ${job.name} does not match its schema: ${e.message}` }))
        )
      })
    return { run } satisfies ItemJob.ItemRunner["Type"]
  })

/**
 * Run a job under its cluster-wide limits: hold one of the resource's slots, wait for its start time,
 * then check `before` (the last moment before the work starts) and run it.
 */
export const withClusterLimits = <I, O>(
  job: ItemJob.ItemJob<I, O>,
  input: I,
  before: Effect.Effect<void, ItemJob.ItemError, SqlClient.SqlClient> = Effect.void
): Effect.Effect<O, ItemJob.ItemError, SqlClient.SqlClient> => {
  const limit = job.limit?.(input)
  const work = Effect.zipRight(before, job.run(input))
  if (limit === undefined) return work
  return withSlot(limit.resource, limit.concurrency, Effect.zipRight(pace(limit.resource, limit.perMinute), work))
}

// internal

/**
 * Is the stage that asked still executing on the runner that asked? Its lock is held (a dead runner's
 * is freed at once) and its placement on that runner is still running (a runner that took the stage
 * over has marked it lost).
 */
const askerAlive = (req: ItemRequest): Effect.Effect<void, ItemJob.ItemError, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const held = yield* stageLockHeld(req.stageKey)
    const rows = held
      ? yield* sql.unsafe(`SELECT 1 FROM zaoji_placements WHERE key = $1 AND runner = $2 AND status = 'running' LIMIT 1`, [req.stageKey, req.originRunner])
      : []
    if (rows.length === 0)
      return yield* Effect.fail(new PermanentError({ message: `dropped: the stage ${req.stageKey} is no longer executing on runner ${req.originRunner}` }))
  }).pipe(Effect.catchTag("SqlError", (e) => Effect.fail(new TransientError({ message: `cluster database: ${errorMessage(e)}` }))))

/** The two-int advisory lock space of the slots (the stage locks use 0x7a6a). */
const SLOT_NAMESPACE = 0x7a6b
/** how long a runner waits before it looks for a free slot again */
const slotPollMs = 25

const findJob = (req: ItemRequest, host: ItemHost): Effect.Effect<ItemJob.ItemJob<unknown, unknown>, ItemFailure> =>
  Effect.gen(function* () {
    const known = ItemJob.lookup(req.job)
    if (known) return known
    yield* Effect.ignore(host.loadWorkflow(req.workflowFile))
    const loaded = ItemJob.lookup(req.job)
    if (loaded) return loaded
    return yield* Effect.fail<ItemFailure>({
      kind: "permanent",
      message: `runner ${host.runnerId} does not know the item job ${req.job} (defined in no module that ${req.workflowFile} imports)`
    })
  })

/**
 * The entity an item goes to: one of `buckets` per job, by the item's hash. Buckets spread items over
 * every shard (and so every runner) while bounding how many entities a runner keeps alive.
 */
const entityOf = (req: ItemRequest): string => `${req.job}/${Number.parseInt(itemId(req).slice(0, 6), 16) % buckets}`
const buckets = 256

/** a short, stable name of one item: its job and its encoded input */
const itemId = (req: Pick<ItemRequest, "job" | "input">): string => sha256(canonicalJson({ job: req.job, input: req.input })).slice(0, 24)

/**
 * Hold one of `slots` advisory locks of the resource while `body` runs. Slots are tried on a
 * connection reserved for the attempt and given back when none is free, so runners waiting for a
 * slot hold no connection; a runner that dies holding one frees it with its connection.
 */
const withSlot = <A, E, R>(resource: string, slots: number, body: Effect.Effect<A, E, R>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const keys = Array.from({ length: Math.max(1, slots) }, (_, i) => slotKey(resource, i))
    // the lock belongs to the session that took it: it is taken and released on one reserved connection
    const take = Effect.uninterruptibleMask((restore) =>
      Effect.gen(function* () {
        for (;;) {
          const scope = yield* Scope.make()
          const conn = yield* sql.reserve.pipe(Scope.extend(scope), Effect.tapError(() => Scope.close(scope, Exit.void)))
          for (const k of keys) {
            const rows = yield* conn.execute(`SELECT pg_try_advisory_lock(${SLOT_NAMESPACE}, ${k}) AS ok`, [], undefined).pipe(
              Effect.tapError(() => Scope.close(scope, Exit.void))
            )
            if ((rows as Array<{ ok: boolean }>)[0]?.ok === true) return { conn, key: k, scope }
          }
          yield* Scope.close(scope, Exit.void)
          yield* restore(Effect.sleep(Duration.millis(slotPollMs + Math.random() * slotPollMs)))
        }
      })
    )
    return yield* Effect.acquireUseRelease(take, () => body, ({ conn, key, scope }) =>
      conn.executeRaw(`SELECT pg_advisory_unlock(${SLOT_NAMESPACE}, ${key})`, []).pipe(Effect.ignore, Effect.zipRight(Scope.close(scope, Exit.void)))
    )
  }).pipe(Effect.catchTag("SqlError", (e) => Effect.fail(new TransientError({ message: `cluster database: ${errorMessage(e)}` }))))

/**
 * Wait for this request's start time: the pacing row hands out start times `60 s / perMinute` apart
 * (the database's clock, so runners with skewed clocks agree), the same spacing as one machine's limiter.
 */
const pace = (resource: string, perMinute: number) =>
  perMinute <= 0
    ? Effect.void
    : Effect.gen(function* () {
        const sql = yield* SqlClient.SqlClient
        const gap = 60_000 / perMinute
        const rows = yield* sql.unsafe<{ wait_ms: number }>(
          `WITH now AS (SELECT extract(epoch FROM clock_timestamp()) * 1000 AS ms)
           INSERT INTO zaoji_endpoint_pace AS p (resource, next_ms) SELECT $1, ms + $2 FROM now
           ON CONFLICT (resource) DO UPDATE SET next_ms = GREATEST(p.next_ms, (SELECT ms FROM now)) + $2
           RETURNING (p.next_ms - $2 - (SELECT ms FROM now))::float8 AS wait_ms`,
          [resource, gap]
        )
        const wait = Number(rows[0]?.wait_ms ?? 0)
        if (wait > 0) yield* Effect.sleep(Duration.millis(wait))
      }).pipe(Effect.catchTag("SqlError", (e) => Effect.fail(new TransientError({ message: `cluster database: ${errorMessage(e)}` }))))

/** a 32-bit number per (resource, slot) */
const slotKey = (resource: string, slot: number): number => Number.parseInt(sha256(`${resource}#${slot}`).slice(0, 8), 16) | 0

const toFailure = (e: ItemJob.ItemError): ItemFailure =>
  e._tag === "TransientError"
    ? { kind: "transient", message: e.message, ...(e.retryAfterMs !== undefined ? { retryAfterMs: e.retryAfterMs } : {}) }
    : { kind: "permanent", message: e.message }

const fromFailure = (f: ItemFailure | { readonly _tag: string; readonly message?: string }): ItemJob.ItemError => {
  if ("kind" in f) {
    return f.kind === "permanent"
      ? new PermanentError({ message: f.message })
      : new TransientError({ message: f.message, ...(f.retryAfterMs !== undefined ? { retryAfterMs: f.retryAfterMs } : {}) })
  }
  // a cluster error (mailbox full, persistence, …): the item was not done; another attempt may be
  return new TransientError({ message: `the cluster did not deliver the item: ${f.message ?? f._tag}` })
}

