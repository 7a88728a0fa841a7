/**
 * One cluster for a test file: a PostgreSQL server and runner processes, started before the tests
 * and stopped after them, plus helpers to submit workflows and read the cluster's status.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import type { LlmServer } from "@zaoji/testing"
import { expect } from "vitest"
import { zaoji, type CliResult } from "../engine/cliProcess.js"
import { tmpDir } from "../engine/helpers.js"
import { postgresBin, startPostgres, type PgServer } from "./postgres.js"
import { startRunner, stopRunners, type RunnerProcess } from "./runners.js"

export const fixture = (name: string) => path.join(import.meta.dirname, "fixtures", name)

/** why the cluster tests cannot run here, if they cannot */
export const skipReason = (): string | undefined => {
  const b = postgresBin()
  return "missing" in b ? b.missing : undefined
}

export interface Cluster {
  readonly pg: PgServer
  readonly runners: Array<RunnerProcess>
  readonly addRunner: (opts?: { readonly tags?: string; readonly slots?: number }) => Promise<RunnerProcess>
  readonly stop: () => Promise<void>
}

export const startCluster = async (runners: ReadonlyArray<{ readonly tags?: string; readonly slots?: number }>): Promise<Cluster> => {
  const pg = await startPostgres()
  const started: RunnerProcess[] = []
  const addRunner = async (opts: { readonly tags?: string; readonly slots?: number } = {}) => {
    const r = await startRunner(pg.url, opts)
    started.push(r)
    return r
  }
  try {
    // one at a time: the first creates the tables, and two cores are not flooded by three tsx starts
    for (const r of runners) await addRunner(r)
  } catch (e) {
    await stopRunners(started)
    pg.destroy()
    throw e
  }
  return {
    pg,
    runners: started,
    addRunner,
    stop: async () => {
      await stopRunners(started)
      pg.destroy()
    }
  }
}

/** `zaoji run WF --cluster URL --store STORE --json` with a work log in a fresh folder. */
export const submitArgs = (c: Cluster, workflow: string, store: string, ...set: ReadonlyArray<string>) => [
  "run", fixture(workflow), "--cluster", c.pg.url, "--store", store, "--json", ...set.flatMap((s) => ["--set", s])
]

export const submit = (c: Cluster, workflow: string, store: string, set: ReadonlyArray<string>, onEvent?: Parameters<typeof zaoji>[1]): Promise<CliResult> =>
  zaoji(submitArgs(c, workflow, store, ...set), onEvent)

export const clusterStatusJson = async (c: Cluster, run?: string): Promise<any> => {
  const r = await zaoji(["status", "--cluster", c.pg.url, "--json", ...(run ? ["--run", run] : [])])
  if (r.code !== 0) throw new Error(`status failed: ${r.stderr}`)
  return JSON.parse(r.stdout.trim().split("\n").pop()!)
}

/** `LABEL PID` lines of a work log */
export const workLines = (file: string): ReadonlyArray<{ readonly label: string; readonly pid: number }> =>
  fs.existsSync(file)
    ? fs.readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map((l) => {
        const [label, pid] = l.split(" ")
        return { label: label!, pid: Number(pid) }
      })
    : []

export const workDir = (name: string) => tmpDir(`cluster-${name}`)

/**
 * The fault-server checks both LLM cluster tests make: the faults happened (and were retried), and
 * every item was answered exactly once and never asked for after that. Returns the answered items.
 */
export const expectFaultsRetriedAndItemsAnsweredOnce = (
  requests: ReturnType<LlmServer["chatRequests"]>,
  itemOf: (body: unknown) => string,
  faults: { readonly "429": number; readonly "500": number; readonly hang: number },
  items: number
): ReadonlyMap<string, number> => {
  expect(requests.filter((q) => q.status === 429)).toHaveLength(faults["429"])
  expect(requests.filter((q) => q.status === 500)).toHaveLength(faults["500"])
  expect(requests.filter((q) => q.status === "hang")).toHaveLength(faults.hang)
  const okAt = new Map<string, number>()
  for (const q of requests) {
    const item = itemOf(q.body)
    expect(okAt.has(item), `${item} requested after it finished`).toBe(false)
    if (q.status === 200) okAt.set(item, q.seq)
  }
  expect(okAt.size).toBe(items)
  return okAt
}
