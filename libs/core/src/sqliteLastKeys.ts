/**
 * `Journal.lastKeys` of a store's SQLite journal, read with one query on the file itself: what a
 * plan needs of the journal, without the SQL client layer and its migrations (tens of
 * milliseconds at start-up) and without writing anything.
 */
import Database from "better-sqlite3"

/** the query of `lastKeys` (./sqliteJournal.ts runs the same one) */
export const LAST_KEYS_SQL = `SELECT stage_id, key FROM (
    SELECT s.stage_id, s.key, ROW_NUMBER() OVER (PARTITION BY s.stage_id ORDER BY s.ended_at DESC) AS n
    FROM stage_runs s JOIN runs r ON r.id = s.run_id
    WHERE r.workflow = ? AND s.status IN ('done','cached')
  ) WHERE n = 1`

/** stage id → last finished key, from the journal in `filename` (which must exist) */
export const readLastKeys = (filename: string, workflow: string): ReadonlyMap<string, string> => {
  const db = new Database(filename, { fileMustExist: true })
  try {
    const rows = db.prepare(LAST_KEYS_SQL).all(workflow) as Array<{ stage_id: string; key: string }>
    return new Map(rows.map((r) => [r.stage_id, r.key]))
  } catch (e) {
    // a journal file whose tables were never made (nothing was journaled in it): nothing finished
    if (e instanceof Database.SqliteError && e.message.startsWith("no such table")) return new Map()
    throw e
  } finally {
    db.close()
  }
}
