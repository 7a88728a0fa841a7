/**
 * What the cluster knows about itself, beside the engine's journal: the runners (tags, slots, last
 * heartbeat), the submissions (one per `zaoji run --cluster`), and the placements — which runner
 * executed which stage of which submission, and how it ended. `zaoji status --cluster` reads these.
 */
import { SqlClient } from "@effect/sql"
import { Context, Effect, Layer } from "effect"
import { migrate } from "./pg.js"

export interface RunnerRow {
  readonly id: string
  readonly host: string
  readonly pid: number
  readonly address: string
  readonly tags: ReadonlyArray<string>
  readonly slots: number
  readonly startedAt: string
  /** seconds since its last heartbeat */
  readonly silentFor: number
  readonly stoppedAt: string | null
}

export interface SubmissionRow {
  readonly id: string
  readonly workflow: string
  readonly workflowFile: string
  readonly store: string
  readonly startedAt: string
  readonly endedAt: string | null
  readonly status: string
}

export type PlacementStatus = "running" | "done" | "cached" | "failed" | "lost"

export interface PlacementRow {
  readonly id: number
  readonly submission: string
  readonly stageId: string
  readonly key: string
  readonly runner: string
  readonly engineRun: string | null
  readonly status: PlacementStatus
  readonly startedAt: string
  readonly endedAt: string | null
  readonly error: string | null
}

export interface PlacementsApi {
  readonly registerRunner: (r: Omit<RunnerRow, "silentFor" | "stoppedAt">) => Effect.Effect<void>
  readonly heartbeat: (runnerId: string) => Effect.Effect<void>
  readonly runnerStopped: (runnerId: string) => Effect.Effect<void>
  readonly runners: () => Effect.Effect<ReadonlyArray<RunnerRow>>
  readonly startSubmission: (s: Omit<SubmissionRow, "endedAt" | "status">) => Effect.Effect<void>
  readonly endSubmission: (id: string, status: string) => Effect.Effect<void>
  readonly submissions: (limit: number) => Effect.Effect<ReadonlyArray<SubmissionRow>>
  /** a runner starts executing a stage; placements of the same key still marked running are lost (their runner died) */
  readonly start: (p: Pick<PlacementRow, "submission" | "stageId" | "key" | "runner">) => Effect.Effect<number>
  readonly end: (id: number, status: PlacementStatus, extra: { readonly engineRun?: string | null; readonly error?: string | null }) => Effect.Effect<void>
  readonly forSubmission: (submission: string) => Effect.Effect<ReadonlyArray<PlacementRow>>
  readonly forKey: (key: string) => Effect.Effect<ReadonlyArray<PlacementRow>>
  /** what a runner has marked running (a dead runner's rows stay until another takes the stage over) */
  readonly running: (runnerId: string) => Effect.Effect<ReadonlyArray<PlacementRow>>
  /** a runner starts one fanned-out item of the stage `stageKey` */
  readonly itemStart: (i: Pick<ItemRunRow, "stageKey" | "job" | "item" | "runner">) => Effect.Effect<number>
  readonly itemEnd: (id: number, status: "done" | "failed", error: string | null) => Effect.Effect<void>
  /** every fanned-out item of these stages, in start order */
  readonly itemsOf: (stageKeys: ReadonlyArray<string>) => Effect.Effect<ReadonlyArray<ItemRunRow>>
}

/** One execution of one fanned-out item (an `ItemJob`) on a runner. */
export interface ItemRunRow {
  readonly id: number
  readonly stageKey: string
  readonly job: string
  /** a hash of the job and its input */
  readonly item: string
  readonly runner: string
  readonly status: "running" | "done" | "failed"
  readonly startedAt: string
  readonly endedAt: string | null
  readonly error: string | null
}

export class Placements extends Context.Tag("@zaoji/cluster/Placements")<Placements, PlacementsApi>() {}

export const placementsLayer: Layer.Layer<Placements, never, SqlClient.SqlClient> = Layer.effect(
  Placements,
  Effect.gen(function* () {
    yield* migrate(TABLES)
    const sql = yield* SqlClient.SqlClient
    const q = <A extends object = any>(text: string, params: ReadonlyArray<unknown> = []) => sql.unsafe<A>(text, params).pipe(Effect.orDie)
    const now = () => new Date().toISOString()
    const api: PlacementsApi = {
      registerRunner: (r) =>
        q(
          `INSERT INTO zaoji_runners (id, host, pid, address, tags, slots, started_at, seen_at) VALUES ($1,$2,$3,$4,$5,$6,$7,now())
           ON CONFLICT (id) DO UPDATE SET seen_at = now(), stopped_at = NULL`,
          [r.id, r.host, r.pid, r.address, JSON.stringify(r.tags), r.slots, r.startedAt]
        ).pipe(Effect.asVoid),
      heartbeat: (id) => q(`UPDATE zaoji_runners SET seen_at = now() WHERE id = $1`, [id]).pipe(Effect.asVoid),
      runnerStopped: (id) => q(`UPDATE zaoji_runners SET stopped_at = $1 WHERE id = $2`, [now(), id]).pipe(Effect.asVoid),
      runners: () =>
        q(`SELECT *, EXTRACT(EPOCH FROM (now() - seen_at))::float8 AS silent FROM zaoji_runners ORDER BY started_at`).pipe(
          Effect.map((rows) =>
            rows.map((r: any): RunnerRow => ({
              id: r.id, host: r.host, pid: r.pid, address: r.address, tags: JSON.parse(r.tags), slots: r.slots,
              startedAt: r.started_at, silentFor: Number(r.silent), stoppedAt: r.stopped_at
            }))
          )
        ),
      startSubmission: (s) =>
        q(`INSERT INTO zaoji_submissions (id, workflow, workflow_file, store, started_at, status) VALUES ($1,$2,$3,$4,$5,'running')`, [
          s.id, s.workflow, s.workflowFile, s.store, s.startedAt
        ]).pipe(Effect.asVoid),
      endSubmission: (id, status) => q(`UPDATE zaoji_submissions SET status = $1, ended_at = $2 WHERE id = $3`, [status, now(), id]).pipe(Effect.asVoid),
      submissions: (limit) =>
        q(`SELECT * FROM zaoji_submissions ORDER BY started_at DESC, id DESC LIMIT $1`, [limit]).pipe(
          Effect.map((rows) =>
            rows.map((r: any): SubmissionRow => ({
              id: r.id, workflow: r.workflow, workflowFile: r.workflow_file, store: r.store, startedAt: r.started_at,
              endedAt: r.ended_at, status: r.status
            }))
          )
        ),
      start: (p) =>
        Effect.gen(function* () {
          yield* q(`UPDATE zaoji_placements SET status = 'lost', ended_at = $1 WHERE key = $2 AND status = 'running'`, [now(), p.key])
          const rows = yield* q(
            `INSERT INTO zaoji_placements (submission, stage_id, key, runner, status, started_at) VALUES ($1,$2,$3,$4,'running',$5) RETURNING id`,
            [p.submission, p.stageId, p.key, p.runner, now()]
          )
          return Number((rows[0] as any).id)
        }),
      end: (id, status, extra) =>
        q(`UPDATE zaoji_placements SET status = $1, ended_at = $2, engine_run = COALESCE($3, engine_run), error = $4 WHERE id = $5`, [
          status, now(), extra.engineRun ?? null, extra.error ?? null, id
        ]).pipe(Effect.asVoid),
      forSubmission: (submission) =>
        q(`SELECT * FROM zaoji_placements WHERE submission = $1 ORDER BY id`, [submission]).pipe(Effect.map((rows) => rows.map(placementRow))),
      running: (runner) =>
        q(`SELECT * FROM zaoji_placements WHERE runner = $1 AND status = 'running' ORDER BY id`, [runner]).pipe(Effect.map((rows) => rows.map(placementRow))),
      itemStart: (i) =>
        q(`INSERT INTO zaoji_item_runs (stage_key, job, item, runner, status, started_at) VALUES ($1,$2,$3,$4,'running',$5) RETURNING id`, [
          i.stageKey, i.job, i.item, i.runner, now()
        ]).pipe(Effect.map((rows) => Number((rows[0] as any).id))),
      itemEnd: (id, status, error) =>
        q(`UPDATE zaoji_item_runs SET status = $1, ended_at = $2, error = $3 WHERE id = $4`, [status, now(), error, id]).pipe(Effect.asVoid),
      itemsOf: (keys) =>
        keys.length === 0
          ? Effect.succeed([])
          : q(`SELECT * FROM zaoji_item_runs WHERE stage_key = ANY($1) ORDER BY id`, [keys]).pipe(
              Effect.map((rows) =>
                rows.map((r: any): ItemRunRow => ({
                  id: Number(r.id), stageKey: r.stage_key, job: r.job, item: r.item, runner: r.runner, status: r.status,
                  startedAt: r.started_at, endedAt: r.ended_at, error: r.error
                }))
              )
            ),
      forKey: (key) => q(`SELECT * FROM zaoji_placements WHERE key = $1 ORDER BY id`, [key]).pipe(Effect.map((rows) => rows.map(placementRow)))
    }
    return api
  })
)

// internal

const TABLES = [
  `CREATE TABLE IF NOT EXISTS zaoji_runners (id TEXT PRIMARY KEY, host TEXT NOT NULL, pid INTEGER NOT NULL, address TEXT NOT NULL,
     tags TEXT NOT NULL, slots INTEGER NOT NULL, started_at TEXT NOT NULL, seen_at TIMESTAMPTZ NOT NULL, stopped_at TEXT)`,
  `CREATE TABLE IF NOT EXISTS zaoji_submissions (id TEXT PRIMARY KEY, workflow TEXT NOT NULL, workflow_file TEXT NOT NULL,
     store TEXT NOT NULL, started_at TEXT NOT NULL, ended_at TEXT, status TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS zaoji_placements (id BIGSERIAL PRIMARY KEY, submission TEXT NOT NULL, stage_id TEXT NOT NULL,
     key TEXT NOT NULL, runner TEXT NOT NULL, engine_run TEXT, status TEXT NOT NULL, started_at TEXT NOT NULL, ended_at TEXT, error TEXT)`,
  `CREATE INDEX IF NOT EXISTS zaoji_placements_by_key ON zaoji_placements (key)`,
  `CREATE TABLE IF NOT EXISTS zaoji_item_runs (id BIGSERIAL PRIMARY KEY, stage_key TEXT NOT NULL, job TEXT NOT NULL, item TEXT NOT NULL,
     runner TEXT NOT NULL, status TEXT NOT NULL, started_at TEXT NOT NULL, ended_at TEXT, error TEXT)`,
  `CREATE INDEX IF NOT EXISTS zaoji_item_runs_by_stage ON zaoji_item_runs (stage_key)`,
  `CREATE TABLE IF NOT EXISTS zaoji_endpoint_pace (resource TEXT PRIMARY KEY, next_ms DOUBLE PRECISION NOT NULL)`
]

const placementRow = (r: any): PlacementRow => ({
  id: Number(r.id), submission: r.submission, stageId: r.stage_id, key: r.key, runner: r.runner, engineRun: r.engine_run,
  status: r.status, startedAt: r.started_at, endedAt: r.ended_at, error: r.error
})
