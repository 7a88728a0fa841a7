/**
 * The durable run journal: runs, stage outcomes, every attempt, events and the latest progress.
 * Behind the `Journal` service so a server-backed implementation (e.g. a shared SQL database for a
 * team) can replace the embedded SQLite one without touching the engine.
 */
import { SqlClient } from "@effect/sql"
import { SqliteClient } from "@effect/sql-sqlite-node"
import { Context, Effect, Layer } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"

export type StageStatus = "cached" | "running" | "done" | "failed" | "skipped"
export type RunStatus = "running" | "done" | "failed" | "interrupted"

export interface RunRow {
  readonly id: string
  readonly workflow: string
  readonly workflowFile: string
  readonly command: string
  readonly pid: number
  readonly startedAt: string
  readonly endedAt: string | null
  readonly status: RunStatus
}

export interface StageRunRow {
  readonly runId: string
  readonly stageId: string
  readonly key: string
  readonly plugin: string
  readonly status: StageStatus
  readonly reason: string
  readonly attempts: number
  readonly error: string | null
  readonly startedAt: string | null
  readonly endedAt: string | null
  readonly done: number | null
  readonly total: number | null
  readonly unit: string | null
}

export interface AttemptRow {
  readonly runId: string
  readonly stageId: string
  readonly key: string
  readonly attempt: number
  readonly startedAt: string
  readonly endedAt: string | null
  readonly status: "running" | "done" | "failed"
  readonly errorTag: string | null
  readonly error: string | null
}

export interface JournalApi {
  readonly startRun: (r: Omit<RunRow, "endedAt" | "status">) => Effect.Effect<void>
  readonly endRun: (runId: string, status: RunStatus) => Effect.Effect<void>
  /** mark runs still journaled as running as interrupted (call only while holding the store lock) */
  readonly markAbandoned: () => Effect.Effect<number>
  readonly stage: (r: Omit<StageRunRow, "done" | "total" | "unit">) => Effect.Effect<void>
  readonly attemptStart: (a: Pick<AttemptRow, "runId" | "stageId" | "key" | "attempt" | "startedAt">) => Effect.Effect<void>
  readonly attemptEnd: (
    a: Pick<AttemptRow, "runId" | "stageId" | "attempt" | "endedAt" | "status" | "errorTag" | "error">
  ) => Effect.Effect<void>
  readonly event: (runId: string, stageId: string | null, type: string, data: unknown) => Effect.Effect<void>
  readonly progress: (runId: string, stageId: string, done: number, total: number, unit: string) => Effect.Effect<void>
  readonly runs: (limit: number) => Effect.Effect<ReadonlyArray<RunRow>>
  readonly stages: (runId: string) => Effect.Effect<ReadonlyArray<StageRunRow>>
  readonly attempts: (runId: string, stageId?: string) => Effect.Effect<ReadonlyArray<AttemptRow>>
  /** most recent finished (done or cached) key of a stage id, across runs of a workflow */
  readonly lastKey: (workflow: string, stageId: string) => Effect.Effect<string | undefined>
}

export class Journal extends Context.Tag("@zaoji/core/Journal")<Journal, JournalApi>() {}

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
    lastKey: (workflow, stageId) =>
      q<any>(
        `SELECT s.key FROM stage_runs s JOIN runs r ON r.id = s.run_id
         WHERE r.workflow = ? AND s.stage_id = ? AND s.status IN ('done','cached')
         ORDER BY s.ended_at DESC LIMIT 1`,
        [workflow, stageId]
      ).pipe(Effect.map((rows) => (rows[0] as any)?.key as string | undefined))
  }
  return api
})

/** The embedded SQLite journal at `<store>/journal.sqlite` (WAL, so readers never block a run). */
export const sqliteJournalLayer = (storeDir: string): Layer.Layer<Journal> => {
  fs.mkdirSync(storeDir, { recursive: true })
  return Layer.effect(Journal, makeSqlJournal).pipe(
    Layer.provide(SqliteClient.layer({ filename: path.join(storeDir, "journal.sqlite") })),
    Layer.orDie
  )
}
