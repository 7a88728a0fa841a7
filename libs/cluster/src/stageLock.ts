/**
 * One execution of a stage at a time across the cluster: a PostgreSQL session advisory lock on the
 * stage's cache key, held on a reserved connection for as long as the stage runs. If the runner
 * holding it dies (kill -9, power cut), the server sees its connection close and frees the lock at
 * once, so the runner the request moves to can take it — no lease to expire, no stale lock file.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"

export const withStageLock = <A, E, R>(key: string, body: Effect.Effect<A, E, R>) =>
  Effect.scoped(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      const conn = yield* sql.reserve
      const [a, b] = lockPair(key)
      yield* Effect.acquireRelease(conn.executeRaw(`SELECT pg_advisory_lock(${a}, ${b})`, []), () =>
        conn.executeRaw(`SELECT pg_advisory_unlock(${a}, ${b})`, []).pipe(Effect.ignore)
      )
      return yield* body
    })
  )

/** Is some process executing the stage `key` now (holding its lock)? */
export const stageLockHeld = (key: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [a, b] = lockPair(key)
    // pg_locks shows the two int4 halves as oids (unsigned) with objsubid 2
    const rows = yield* sql.unsafe(
      `SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND classid = $1::bigint::oid AND objid = $2::bigint::oid AND objsubid = 2 AND granted LIMIT 1`,
      [a >>> 0, b >>> 0]
    )
    return rows.length > 0
  })

// internal

/** The two-int form keeps these locks apart from @effect/cluster's one-bigint shard locks. */
const NAMESPACE = 0x7a6a

const lockPair = (key: string): readonly [number, number] => {
  if (!/^[0-9a-f]{8,}$/.test(key)) throw new Error(`not a stage key: ${key}`)
  return [NAMESPACE, Number.parseInt(key.slice(0, 8), 16) | 0]
}
