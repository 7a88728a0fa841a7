/**
 * The run journal in PostgreSQL: the same `Journal` service the embedded engine writes to SQLite
 * (runs, stage outcomes, attempts, events, progress), in tables every runner and submitter of a
 * cluster share. The engine runs unchanged over it.
 */
import { SqlClient } from "@effect/sql"
import { Journal, type AttemptRow, type JournalApi, type RunRow, type StageRunRow } from "@zaoji/core"
import { Effect, Layer } from "effect"
import { migrate } from "./pg.js"

/** The `Journal` over the cluster database (needs a `SqlClient`: `pgLayer(url)`). */
export const pgJournalLayer: Layer.Layer<Journal, never, SqlClient.SqlClient> = Layer.effect(
  Journal,
  Effect.gen(function* () {
    yield* migrate(JOURNAL_TABLES)
    return yield* makePgJournal
  })
)

export const JOURNAL_TABLES: ReadonlyArray<string> = [
  `CREATE TABLE IF NOT EXISTS zaoji_runs (id TEXT PRIMARY KEY, workflow TEXT NOT NULL, workflow_file TEXT NOT NULL,
     command TEXT NOT NULL, pid INTEGER NOT NULL, started_at TEXT NOT NULL, ended_at TEXT, status TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS zaoji_stage_runs (run_id TEXT NOT NULL, stage_id TEXT NOT NULL, key TEXT NOT NULL,
     plugin TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL, attempts INTEGER NOT NULL, error TEXT,
     started_at TEXT, ended_at TEXT, PRIMARY KEY (run_id, stage_id))`,
  `CREATE TABLE IF NOT EXISTS zaoji_attempts (run_id TEXT NOT NULL, stage_id TEXT NOT NULL, key TEXT NOT NULL,
     attempt INTEGER NOT NULL, started_at TEXT NOT NULL, ended_at TEXT, status TEXT NOT NULL, error_tag TEXT,
     error TEXT, PRIMARY KEY (run_id, stage_id, attempt))`,
  `CREATE TABLE IF NOT EXISTS zaoji_events (id BIGSERIAL PRIMARY KEY, run_id TEXT NOT NULL, ts TEXT NOT NULL,
     stage_id TEXT, type TEXT NOT NULL, data TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS zaoji_progress (run_id TEXT NOT NULL, stage_id TEXT NOT NULL, done DOUBLE PRECISION NOT NULL,
     total DOUBLE PRECISION NOT NULL, unit TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (run_id, stage_id))`,
  `CREATE INDEX IF NOT EXISTS zaoji_stage_runs_by_stage ON zaoji_stage_runs (stage_id, status)`
]

// internal

const makePgJournal = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const q = <A extends object = any>(text: string, params: ReadonlyArray<unknown> = []) => sql.unsafe<A>(text, params).pipe(Effect.orDie)
  const now = () => new Date().toISOString()
  const api: JournalApi = {
    startRun: (r) =>
      q(`INSERT INTO zaoji_runs (id, workflow, workflow_file, command, pid, started_at, status) VALUES ($1,$2,$3,$4,$5,$6,'running')`, [
        r.id, r.workflow, r.workflowFile, r.command, r.pid, r.startedAt
      ]).pipe(Effect.asVoid),
    endRun: (runId, status) => q(`UPDATE zaoji_runs SET status = $1, ended_at = $2 WHERE id = $3`, [status, now(), runId]).pipe(Effect.asVoid),
    // Runs of other processes are never marked here: in a cluster no one process holds the whole store, so
    // a run whose process died is found by its runner's heartbeat instead (see clusterStatus).
    markAbandoned: () => Effect.succeed(0),
    stage: (s) =>
      q(
        `INSERT INTO zaoji_stage_runs (run_id, stage_id, key, plugin, status, reason, attempts, error, started_at, ended_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)
         ON CONFLICT (run_id, stage_id) DO UPDATE SET key = excluded.key, status = excluded.status, reason = excluded.reason,
           attempts = excluded.attempts, error = excluded.error,
           started_at = COALESCE(zaoji_stage_runs.started_at, excluded.started_at), ended_at = excluded.ended_at`,
        [s.runId, s.stageId, s.key, s.plugin, s.status, s.reason, s.attempts, s.error, s.startedAt, s.endedAt]
      ).pipe(Effect.asVoid),
    attemptStart: (a) =>
      q(
        `INSERT INTO zaoji_attempts (run_id, stage_id, key, attempt, started_at, status) VALUES ($1,$2,$3,$4,$5,'running')
         ON CONFLICT (run_id, stage_id, attempt) DO UPDATE SET key = excluded.key, started_at = excluded.started_at, status = 'running'`,
        [a.runId, a.stageId, a.key, a.attempt, a.startedAt]
      ).pipe(Effect.asVoid),
    attemptEnd: (a) =>
      q(`UPDATE zaoji_attempts SET ended_at = $1, status = $2, error_tag = $3, error = $4 WHERE run_id = $5 AND stage_id = $6 AND attempt = $7`, [
        a.endedAt, a.status, a.errorTag, a.error, a.runId, a.stageId, a.attempt
      ]).pipe(Effect.asVoid),
    event: (runId, stageId, type, data) =>
      q(`INSERT INTO zaoji_events (run_id, ts, stage_id, type, data) VALUES ($1,$2,$3,$4,$5)`, [runId, now(), stageId, type, JSON.stringify(data)]).pipe(
        Effect.asVoid
      ),
    progress: (runId, stageId, done, total, unit) =>
      q(
        `INSERT INTO zaoji_progress (run_id, stage_id, done, total, unit, updated_at) VALUES ($1,$2,$3,$4,$5,$6)
         ON CONFLICT (run_id, stage_id) DO UPDATE SET done = excluded.done, total = excluded.total, unit = excluded.unit,
           updated_at = excluded.updated_at`,
        [runId, stageId, done, total, unit, now()]
      ).pipe(Effect.asVoid),
    runs: (limit) =>
      q(`SELECT * FROM zaoji_runs ORDER BY started_at DESC, id DESC LIMIT $1`, [limit]).pipe(Effect.map((rows) => rows.map(runRow))),
    stages: (runId) =>
      q(
        `SELECT s.*, p.done, p.total, p.unit FROM zaoji_stage_runs s
         LEFT JOIN zaoji_progress p ON p.run_id = s.run_id AND p.stage_id = s.stage_id
         WHERE s.run_id = $1 ORDER BY COALESCE(s.started_at, s.ended_at), s.stage_id`,
        [runId]
      ).pipe(Effect.map((rows) => rows.map(stageRow))),
    attempts: (runId, stageId) =>
      q(
        `SELECT * FROM zaoji_attempts WHERE run_id = $1 ${stageId ? "AND stage_id = $2" : ""} ORDER BY stage_id, attempt`,
        stageId ? [runId, stageId] : [runId]
      ).pipe(Effect.map((rows) => rows.map(attemptRow))),
    lastKeys: (workflow) =>
      q<{ stage_id: string; key: string }>(
        `SELECT stage_id, key FROM (
           SELECT s.stage_id, s.key, ROW_NUMBER() OVER (PARTITION BY s.stage_id ORDER BY s.ended_at DESC NULLS LAST) AS n
           FROM zaoji_stage_runs s JOIN zaoji_runs r ON r.id = s.run_id
           WHERE r.workflow = $1 AND s.status IN ('done','cached')
         ) latest WHERE n = 1`,
        [workflow]
      ).pipe(Effect.map((rows) => new Map(rows.map((r) => [r.stage_id, r.key]))))
  }
  return api
})

const runRow = (r: any): RunRow => ({
  id: r.id, workflow: r.workflow, workflowFile: r.workflow_file, command: r.command, pid: r.pid,
  startedAt: r.started_at, endedAt: r.ended_at, status: r.status
})

const stageRow = (r: any): StageRunRow => ({
  runId: r.run_id, stageId: r.stage_id, key: r.key, plugin: r.plugin, status: r.status, reason: r.reason,
  attempts: r.attempts, error: r.error, startedAt: r.started_at, endedAt: r.ended_at,
  done: r.done ?? null, total: r.total ?? null, unit: r.unit ?? null
})

const attemptRow = (r: any): AttemptRow => ({
  runId: r.run_id, stageId: r.stage_id, key: r.key, attempt: r.attempt, startedAt: r.started_at,
  endedAt: r.ended_at, status: r.status, errorTag: r.error_tag, error: r.error
})
