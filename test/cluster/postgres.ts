/** The cluster tests' PostgreSQL: a real local server process (see libs/cluster/src/localPostgres.ts). */
export { postgresBin, startPostgres, type PgServer } from "@zaoji/cluster/localPostgres"
