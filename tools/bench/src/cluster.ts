/**
 * Cluster dispatch, like for like with the embedded engine in the same invocation: a seed and 200
 * independent no-op stages run embedded (one process, no database) and submitted to three runner
 * processes over one PostgreSQL — the difference per stage is what dispatch costs (request stored,
 * delivered, lock, engine run of one stage, reply stored and read back); then a seed and 6 independent
 * CPU-bound stages (≈ 2–3 s of sha256 each) embedded, on 1 runner and on 3 runners. Each measurement
 * gets fresh keys (a new salt), after one warm-up submission that lets each runner load the workflow.
 * Last, the items of one LLM stage against the local test LLM server: embedded, fanned out from a
 * stage on 1 runner, and over 3 runners (one endpoint limit for the whole cluster).
 * Needs PostgreSQL's binaries (Debian's `postgresql`); the server is a throwaway local process.
 */
import { loadWorkflowFile, runWorkflow } from "@zaoji/core"
import { submitWorkflow } from "@zaoji/cluster"
import { startPostgres } from "@zaoji/cluster/localPostgres"
import { defaultHandler, startLlmServer } from "@zaoji/testing"
import { Effect } from "effect"
import { spawn, type ChildProcess } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import type { Row } from "./engine.js"

export const benchCluster = async (opts: { readonly log: (line: string) => void }): Promise<ReadonlyArray<Row>> => {
  const pg = await startPostgres()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zaoji-bench-cluster-"))
  const runners: Runner[] = []
  try {
    const rows: Row[] = []
    const noop = await load("noop.workflow.ts")
    const cpu = await load("cpu.workflow.ts")
    const cores = os.cpus().length
    opts.log(`load average at the start: ${round(os.loadavg()[0]!)} on ${cores} cores`)

    // 1. 200 no-op stages: embedded vs 3 runners (8 slots each)
    const embeddedNoop = await timeEmbedded(noop, dir)
    for (let i = 0; i < 3; i++) runners.push(await startRunner(pg.url, 8))
    await submit(pg.url, noop, dir, "warm-up")
    const clusterNoop = await timed(() => submit(pg.url, noop, dir, "measured"))
    opts.log(`no-op: embedded ${embeddedNoop.toFixed(2)} s, cluster ${clusterNoop.toFixed(2)} s`)
    rows.push(
      { name: "200 no-op stages, embedded", value: round(embeddedNoop), unit: "s", note: `${round((embeddedNoop / 201) * 1000)} ms/stage` },
      {
        name: "200 no-op stages, 3 runners",
        value: round(clusterNoop),
        unit: "s",
        note: `${round((clusterNoop / 201) * 1000)} ms/stage; dispatch adds ${round(((clusterNoop - embeddedNoop) / 201) * 1000)} ms/stage (${round(clusterNoop / embeddedNoop)}× embedded)`
      }
    )
    await stopRunners(runners.splice(0))

    // 2. 6 CPU-bound stages: embedded, 1 runner, 3 runners (1 slot each: a stage holds its runner's one thread)
    const embeddedCpu = await timeEmbedded(cpu, dir)
    runners.push(await startRunner(pg.url, 1))
    await submit(pg.url, cpu, dir, "warm-up-1")
    const one = await timed(() => submit(pg.url, cpu, dir, "one-runner"))
    runners.push(await startRunner(pg.url, 1), await startRunner(pg.url, 1))
    await submit(pg.url, cpu, dir, "warm-up-3")
    const three = await timed(() => submit(pg.url, cpu, dir, "three-runners"))
    opts.log(`cpu: embedded ${embeddedCpu.toFixed(2)} s, 1 runner ${one.toFixed(2)} s, 3 runners ${three.toFixed(2)} s`)
    rows.push(
      { name: "6 CPU stages, embedded", value: round(embeddedCpu), unit: "s", note: "one process: the stages share one thread" },
      { name: "6 CPU stages, 1 runner", value: round(one), unit: "s", note: `${round(one / embeddedCpu)}× embedded` },
      {
        name: "6 CPU stages, 3 runners",
        value: round(three),
        unit: "s",
        note:
          `speed-up ${round(one / three)}× over 1 runner; ${cores} core${cores === 1 ? "" : "s"}, load average ${round(os.loadavg()[0]!)} ` +
          `(idle, at most ${Math.min(3, cores)}×; on a busy machine three processes take a larger share of the contested cores than one; ` +
          `stages go to runners by key hash, not by load)`
      }
    )
    await stopRunners(runners.splice(0))

    // 3. the items of one LLM stage (60 requests, each answered after 100 ms, endpoint concurrency 6):
    // embedded, then fanned out from a stage on 1 runner and over 3 runners
    const llm = await startLlmServer({ handler: async (req, n) => (await new Promise((r) => setTimeout(r, 100)), defaultHandler(req, n)) })
    try {
      const ep = [`ask.baseURL=${llm.baseURL}`]
      const ask = await load("llm.workflow.ts")
      const embeddedLlm = await timed(() =>
        Effect.runPromise(
          runWorkflow({ workflow: ask.workflow, baseDir: ask.baseDir, workflowFile: ask.file, storeDir: fs.mkdtempSync(path.join(dir, "embedded-")), set: [...ep, `seed.salt=embedded-llm`] })
        )
      )
      runners.push(await startRunner(pg.url, 1))
      await submit(pg.url, ask, dir, "llm-warm-up-1", ep)
      llm.resetMaxInFlight()
      const oneLlm = await timed(() => submit(pg.url, ask, dir, "llm-one-runner", ep))
      runners.push(await startRunner(pg.url, 1), await startRunner(pg.url, 1))
      await submit(pg.url, ask, dir, "llm-warm-up-3", ep)
      const threeLlm = await timed(() => submit(pg.url, ask, dir, "llm-three-runners", ep))
      const maxInFlight = llm.maxInFlight()
      opts.log(`llm items: embedded ${embeddedLlm.toFixed(2)} s, 1 runner ${oneLlm.toFixed(2)} s, 3 runners ${threeLlm.toFixed(2)} s`)
      rows.push(
        { name: "1 LLM stage × 60 items, embedded", value: round(embeddedLlm), unit: "s", note: "100 ms per answer, 6 at once: ≥ 1.0 s by the limit alone" },
        { name: "the same, items from 1 runner", value: round(oneLlm), unit: "s", note: `${round(oneLlm / embeddedLlm)}× embedded (each item a persisted message, an endpoint slot, a pacing row)` },
        {
          name: "the same, items over 3 runners",
          value: round(threeLlm),
          unit: "s",
          note: `${round(oneLlm / threeLlm)}× the speed of 1 runner; at most ${maxInFlight} requests in flight (limit 6); ${cores} cores, load average ${round(os.loadavg()[0]!)}`
        }
      )
    } finally {
      await llm.close()
    }
    return rows
  } finally {
    await stopRunners(runners)
    pg.destroy()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

// internal

type Loaded = Effect.Effect.Success<ReturnType<typeof loadWorkflowFile>>

interface Runner {
  readonly child: ChildProcess
  readonly exited: Promise<void>
}

const bin = path.resolve(import.meta.dirname, "../../cli/bin/zaoji.mjs")

const load = (name: string) => Effect.runPromise(loadWorkflowFile(path.join(import.meta.dirname, "cluster", name)))

const round = (x: number) => Math.round(x * 100) / 100

const timed = async (f: () => Promise<unknown>): Promise<number> => {
  const t0 = performance.now()
  await f()
  return (performance.now() - t0) / 1000
}

const timeEmbedded = (w: Loaded, dir: string) =>
  timed(() =>
    Effect.runPromise(
      runWorkflow({ workflow: w.workflow, baseDir: w.baseDir, workflowFile: w.file, storeDir: fs.mkdtempSync(path.join(dir, "embedded-")), set: [`seed.salt=embedded-${Math.random().toString(36).slice(2)}`] })
    )
  )

const submit = (url: string, w: Loaded, dir: string, salt: string, set: ReadonlyArray<string> = []) =>
  Effect.runPromise(
    submitWorkflow({ url, workflow: w.workflow, baseDir: w.baseDir, workflowFile: w.file, storeDir: path.join(dir, "shared"), set: [...set, `seed.salt=${salt}`] })
  )

const startRunner = (url: string, slots: number): Promise<Runner> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, "runner", "--cluster", url, "--json", "--slots", String(slots)], {
      env: { ...process.env, NODE_NO_WARNINGS: "1" }
    })
    const exited = new Promise<void>((done) => child.on("close", () => done()))
    let out = ""
    child.stdout.on("data", (d: Buffer) => {
      out += d
      if (out.includes(`"status":"ready"`)) resolve({ child, exited })
    })
    child.stderr.on("data", (d: Buffer) => (out += d))
    child.on("close", (code) => reject(new Error(`runner exited (${code}) before it was ready:\n${out}`)))
  })

const stopRunners = async (runners: ReadonlyArray<Runner>) => {
  for (const r of runners) r.child.kill("SIGTERM")
  await Promise.all(runners.map((r) => r.exited))
}
