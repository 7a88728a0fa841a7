/**
 * The durable run journal: runs, stage outcomes, every attempt, events and the latest progress.
 * Behind the `Journal` service so a server-backed implementation (e.g. a shared SQL database for a
 * team) can replace the embedded SQLite one without touching the engine. The SQLite implementation
 * (./sqliteJournal.ts) and its SQL packages load only when a journal is opened: planning a workflow
 * on a store where nothing has run yet never needs them.
 */
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
  /**
   * stage id → its most recent finished (done or cached) key, across runs of a workflow: one query
   * for the whole workflow (planning asks for every stage at once)
   */
  readonly lastKeys: (workflow: string) => Effect.Effect<ReadonlyMap<string, string>>
}

export class Journal extends Context.Tag("@zaoji/core/Journal")<Journal, JournalApi>() {}

/** The embedded SQLite journal at `<store>/journal.sqlite` (WAL, so readers never block a run). */
export const sqliteJournalLayer = (storeDir: string): Layer.Layer<Journal> => {
  fs.mkdirSync(storeDir, { recursive: true })
  return Layer.unwrapEffect(
    Effect.promise(() => import("./sqliteJournal.js")).pipe(Effect.map((impl) => impl.sqliteJournalAt(journalFile(storeDir))))
  )
}

/**
 * `lastKeys` of the store's SQLite journal, for a plan: read from the file with one query
 * (./sqliteLastKeys.ts), never created: a store without a journal has no finished stages to
 * compare with, and a plan (read-only) leaves it without one.
 */
export const journaledLastKeys = (storeDir: string, workflow: string): Effect.Effect<ReadonlyMap<string, string>> =>
  fs.existsSync(journalFile(storeDir))
    ? Effect.map(Effect.promise(() => import("./sqliteLastKeys.js")), (m) => m.readLastKeys(journalFile(storeDir), workflow))
    : Effect.succeed(new Map())

// internal

const journalFile = (storeDir: string) => path.join(storeDir, "journal.sqlite")
