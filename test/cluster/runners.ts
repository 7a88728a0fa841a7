/**
 * Runner processes for the cluster tests: `zaoji runner --cluster URL --json` as real child
 * processes, each waited for until it says it is ready, all stopped at the end.
 */
import { spawn, type ChildProcess } from "node:child_process"
import * as path from "node:path"
import { repoRoot } from "../engine/cliProcess.js"

export interface RunnerProcess {
  readonly id: string
  readonly pid: number
  readonly child: ChildProcess
  readonly output: () => string
  /** resolves when the process has exited */
  readonly exited: Promise<void>
}

const bin = path.join(repoRoot, "tools/cli/bin/zaoji.mjs")

export const startRunner = (url: string, opts: { readonly tags?: string; readonly slots?: number } = {}): Promise<RunnerProcess> =>
  new Promise((resolve, reject) => {
    const args = [bin, "runner", "--cluster", url, "--json", "--slots", String(opts.slots ?? 1), ...(opts.tags ? ["--tags", opts.tags] : [])]
    const child = spawn(process.execPath, args, { cwd: repoRoot, env: { ...process.env, FORCE_COLOR: "0", NODE_NO_WARNINGS: "1" } })
    let out = ""
    let ready = false
    const exited = new Promise<void>((done) => child.on("close", () => done()))
    child.stdout.on("data", (d: Buffer) => {
      out += d
      if (ready) return
      const m = /\{"type":"runner","status":"ready","runner":"([^"]+)"/.exec(out)
      if (m) {
        ready = true
        resolve({ id: m[1]!, pid: child.pid!, child, output: () => out, exited })
      }
    })
    child.stderr.on("data", (d: Buffer) => (out += d))
    child.on("error", reject)
    child.on("close", (code) => {
      if (!ready) reject(new Error(`runner exited with ${code} before it was ready:\n${out}`))
    })
  })

/** Stop runners (SIGTERM, then SIGKILL after a grace period) and wait for them. */
export const stopRunners = async (runners: ReadonlyArray<RunnerProcess>): Promise<void> => {
  for (const r of runners) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill("SIGTERM")
  const timer = setTimeout(() => {
    for (const r of runners) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill("SIGKILL")
  }, 15_000)
  await Promise.all(runners.map((r) => r.exited))
  clearTimeout(timer)
}
