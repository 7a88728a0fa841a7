/**
 * The `Journal` in an embedded SQLite database (WAL, so readers never block a run): loaded by
 * ./journal.ts when a journal is opened, with the SQL packages it needs.
 */
import { SqlClient } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Effect, Layer } from "effect"
import { Journal, type JournalApi, type RunRow, type StageRunRow, type AttemptRow } from "./journal.js"
import { LAST_KEYS_SQL } from "./sqliteLastKeys.js"

/** The SQLite journal in `filename` (created with its tables when missing). */
export const sqliteJournalAt = (filename: string): Layer.Layer<Journal> =>
  Layer.effect(Journal, makeSqlJournal).pipe(Layer.provide(SqliteClient.layer({ filename })), Layer.orDie)

// internal

const MIGRATION = [
  // WAL + NORMAL: a commit survives the process being killed; only a power cut may lose the last few
  `PRAGMA synchronous = NORMAL`,
  `CREATE TABLE IF NOT EXISTS runs (id TEXT PRIMARY KEY, workflow TEXT NOT NULL, workflow_file TEXT NOT NULL,
     command TEXT NOT NULL, pid INTEGER NOT NULL, started_at TEXT NOT NULL, ended_at TEXT, status TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS stage_runs (run_id TEXT NOT NULL, stage_id TEXT NOT NULL, key TEXT NOT NULL,
     plugin TEXT NOT NULL, status TEXT NOT NULL, reason TEXT NOT NULL, attempts INTEGER NOT NULL, error TEXT,
     started_at TEXT, ended_at TEXT, PRIMARY KEY (run_id, stage_id))`,
  `CREATE TABLE IF NOT EXISTS attempts (run_id TEXT NOT NULL, stage_id TEXT NOT NULL, key TEXT NOT NULL,
     attempt INTEGER NOT NULL, started_at TEXT NOT NULL, ended_at TEXT, status TEXT NOT NULL, error_tag TEXT,
     error TEXT, PRIMARY KEY (run_id, stage_id, attempt))`,
  `CREATE TABLE IF NOT EXISTS events (id INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, ts TEXT NOT NULL,
     stage_id TEXT, type TEXT NOT NULL, data TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS progress (run_id TEXT NOT NULL, stage_id TEXT NOT NULL, done REAL NOT NULL,
     total REAL NOT NULL, unit TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (run_id, stage_id))`,
  `CREATE INDEX IF NOT EXISTS stage_runs_by_stage ON stage_runs (stage_id, status)`
]

const makeSqlJournal = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  for (const stmt of MIGRATION) yield* sql.unsafe(stmt)
  const q = <A extends object = never>(text: string, params: ReadonlyArray<unknown> = []) =>
    sql.unsafe<A>(text, params).pipe(Effect.orDie)
  const now = () => new Date().toISOString()
  const api: JournalApi = {
    startRun: (r) =>
      q(`INSERT INTO runs (id, workflow, workflow_file, command, pid, started_at, status) VALUES (?,?,?,?,?,?,'running')`, [
        r.id, r.workflow, r.workflowFile, r.command, r.pid, r.startedAt
      ]).pipe(Effect.asVoid),
    endRun: (runId, status) => q(`UPDATE runs SET status = ?, ended_at = ? WHERE id = ?`, [status, now(), runId]).pipe(Effect.asVoid),
    markAbandoned: () =>
      q<{ n: number }>(`SELECT COUNT(*) AS n FROM runs WHERE status = 'running'`).pipe(
        Effect.tap(() => q(`UPDATE runs SET status = 'interrupted' WHERE status = 'running'`)),
        Effect.map((rows) => Number(rows[0]?.n ?? 0))
      ),
    stage: (s) =>
      q(
        `INSERT INTO stage_runs (run_id, stage_id, key, plugin, status, reason, attempts, error, started_at, ended_at)
         VALUES (?,?,?,?,?,?,?,?,?,?)
         ON CONFLICT (run_id, stage_id) DO UPDATE SET key = excluded.key, status = excluded.status, reason = excluded.reason,
           attempts = excluded.attempts, error = excluded.error,
           started_at = COALESCE(stage_runs.started_at, excluded.started_at), ended_at = excluded.ended_at`,
        [s.runId, s.stageId, s.key, s.plugin, s.status, s.reason, s.attempts, s.error, s.startedAt, s.endedAt]
      ).pipe(Effect.asVoid),
    attemptStart: (a) =>
      q(`INSERT OR REPLACE INTO attempts (run_id, stage_id, key, attempt, started_at, status) VALUES (?,?,?,?,?,'running')`, [
        a.runId, a.stageId, a.key, a.attempt, a.startedAt
      ]).pipe(Effect.asVoid),
    attemptEnd: (a) =>
      q(`UPDATE attempts SET ended_at = ?, status = ?, error_tag = ?, error = ? WHERE run_id = ? AND stage_id = ? AND attempt = ?`, [
        a.endedAt, a.status, a.errorTag, a.error, a.runId, a.stageId, a.attempt
      ]).pipe(Effect.asVoid),
    event: (runId, stageId, type, data) =>
      q(`INSERT INTO events (run_id, ts, stage_id, type, data) VALUES (?,?,?,?,?)`, [runId, now(), stageId, type, JSON.stringify(data)]).pipe(
        Effect.asVoid
      ),
    progress: (runId, stageId, done, total, unit) =>
      q(
        `INSERT INTO progress (run_id, stage_id, done, total, unit, updated_at) VALUES (?,?,?,?,?,?)
         ON CONFLICT (run_id, stage_id) DO UPDATE SET done = excluded.done, total = excluded.total, unit = excluded.unit,
           updated_at = excluded.updated_at`,
        [runId, stageId, done, total, unit, now()]
      ).pipe(Effect.asVoid),
    runs: (limit) =>
      q<any>(`SELECT * FROM runs ORDER BY started_at DESC, id DESC LIMIT ?`, [limit]).pipe(
        Effect.map((rows) =>
          rows.map((r: any): RunRow => ({
            id: r.id, workflow: r.workflow, workflowFile: r.workflow_file, command: r.command, pid: r.pid,
            startedAt: r.started_at, endedAt: r.ended_at, status: r.status
          }))
        )
      ),
    stages: (runId) =>
      q<any>(
        `SELECT s.*, p.done, p.total, p.unit FROM stage_runs s
         LEFT JOIN progress p ON p.run_id = s.run_id AND p.stage_id = s.stage_id
         WHERE s.run_id = ? ORDER BY COALESCE(s.started_at, s.ended_at), s.stage_id`,
        [runId]
      ).pipe(
        Effect.map((rows) =>
          rows.map((r: any): StageRunRow => ({
            runId: r.run_id, stageId: r.stage_id, key: r.key, plugin: r.plugin, status: r.status, reason: r.reason,
            attempts: r.attempts, error: r.error, startedAt: r.started_at, endedAt: r.ended_at,
            done: r.done ?? null, total: r.total ?? null, unit: r.unit ?? null
          }))
        )
      ),
    attempts: (runId, stageId) =>
      q<any>(
        `SELECT * FROM attempts WHERE run_id = ? ${stageId ? "AND stage_id = ?" : ""} ORDER BY stage_id, attempt`,
        stageId ? [runId, stageId] : [runId]
      ).pipe(
        Effect.map((rows) =>
          rows.map((r: any): AttemptRow => ({
            runId: r.run_id, stageId: r.stage_id, key: r.key, attempt: r.attempt, startedAt: r.started_at,
            endedAt: r.ended_at, status: r.status, errorTag: r.error_tag, error: r.error
          }))
        )
      ),
    lastKeys: (workflow) =>
      q<{ stage_id: string; key: string }>(LAST_KEYS_SQL, [workflow]).pipe(Effect.map((rows) => new Map(rows.map((r) => [r.stage_id, r.key]))))
  }
  return api
})
