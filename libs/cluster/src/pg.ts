/**
 * The cluster's PostgreSQL connection: one `PgClient` layer from a `postgres://` URL, and the
 * migrations of Zaoji's own tables (journal, runners, submissions, placements), run under a
 * transaction-scoped advisory lock so that several processes starting at once do not race on
 * `CREATE TABLE IF NOT EXISTS` (which is not safe against itself in PostgreSQL).
 */
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Data, Duration, Effect, Layer, Redacted, Schedule } from "effect"

/** The cluster's database cannot be reached (at start, or lost for longer than `lostAfter` while waiting). */
export class ClusterUnavailable extends Data.TaggedError("ClusterUnavailable")<{ readonly message: string }> {}

/** A `PgClient` (and `SqlClient`) for the cluster URL; a bad URL or a server that does not answer fails with a clear message. */
export const pgLayer = (url: string, opts: { readonly maxConnections?: number } = {}): Layer.Layer<PgClient.PgClient | SqlClient.SqlClient, ClusterUnavailable> =>
  PgClient.layer({ url: Redacted.make(url), idleTimeout: "60 seconds", connectTimeout: "30 seconds", maxConnections: opts.maxConnections ?? 10 }).pipe(
    Layer.mapError((e) => new ClusterUnavailable({ message: `cannot reach the cluster database at ${redactUrl(url)}: ${e.message}` }))
  )

/**
 * Fails once the database has not answered for `lostAfter` (checked every 2 s); never succeeds. Raced
 * against a wait on the cluster, it turns a lost database into a clear error instead of a wait without end.
 */
export const databaseWatchdog = (url: string, lostAfter: Duration.DurationInput): Effect.Effect<never, ClusterUnavailable, SqlClient.SqlClient> =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    let lastOk = Date.now()
    const limit = Duration.toMillis(lostAfter)
    return yield* sql.unsafe("SELECT 1").pipe(
      Effect.timeout("2 seconds"),
      Effect.match({ onFailure: () => Date.now() - lastOk, onSuccess: () => ((lastOk = Date.now()), 0) }),
      Effect.flatMap((silentMs) =>
        silentMs > limit
          ? Effect.fail(new ClusterUnavailable({ message: `lost the cluster database at ${redactUrl(url)} (no answer for ${Math.round(silentMs / 1000)} s)` }))
          : Effect.void
      ),
      Effect.repeat(Schedule.spaced("2 seconds")),
      Effect.zipRight(Effect.never)
    )
  })

/** Run `statements` once per database, whoever comes first; later callers find the tables there. */
export const migrate = (statements: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* sql.withTransaction(
      Effect.gen(function* () {
        yield* sql.unsafe(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`)
        for (const s of statements) yield* sql.unsafe(s)
      })
    )
  }).pipe(Effect.orDie)

/** A URL with its password replaced, for messages. */
export const redactUrl = (url: string): string => url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@")

// internal

/** arbitrary, fixed: "zaoji" in ASCII */
const MIGRATION_LOCK = 0x7a616f6a69
