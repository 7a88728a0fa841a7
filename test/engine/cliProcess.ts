import { spawn, type ChildProcess } from "node:child_process"
import * as path from "node:path"

export const repoRoot = path.resolve(import.meta.dirname, "../..")
export const fixture = (name: string) => path.join(repoRoot, "test/engine/fixtures", name)
const bin = path.join(repoRoot, "tools/cli/bin/zaoji.mjs")

export interface CliResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly events: ReadonlyArray<any>
}

/**
 * Run `zaoji ARGS` as a child process. `onEvent` sees each --json line as it arrives and may kill
 * the child (it gets the process).
 */
export const zaoji = (args: ReadonlyArray<string>, onEvent?: (e: any, child: ChildProcess) => void): Promise<CliResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, env: { ...process.env, FORCE_COLOR: "0" } })
    let stdout = ""
    let stderr = ""
    let pending = ""
    const events: any[] = []
    child.stdout.on("data", (d: Buffer) => {
      stdout += d
      pending += d
      let nl: number
      while ((nl = pending.indexOf("\n")) >= 0) {
        const line = pending.slice(0, nl)
        pending = pending.slice(nl + 1)
        try {
          const e = JSON.parse(line)
          events.push(e)
          onEvent?.(e, child)
        } catch {
          // not an event line
        }
      }
    })
    child.stderr.on("data", (d: Buffer) => (stderr += d))
    child.on("error", reject)
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr, events }))
  })

export const stageStatuses = (r: CliResult) =>
  Object.fromEntries(
    r.events.filter((e) => e.type === "stage" && !["running", "retrying"].includes(e.status)).map((e) => [e.stage, e.status])
  )

/** The same CLI in this process (no start-up cost), for checks that need no separate process. */
export const zaojiHere = async (args: ReadonlyArray<string>): Promise<CliResult> => {
  const { runCli } = await import("@zaoji/cli")
  let stdout = ""
  let stderr = ""
  const ow = process.stdout.write
  const ew = process.stderr.write
  process.stdout.write = ((s: string | Uint8Array) => ((stdout += String(s)), true)) as typeof process.stdout.write
  process.stderr.write = ((s: string | Uint8Array) => ((stderr += String(s)), true)) as typeof process.stderr.write
  try {
    const outcome = await runCli(["node", "zaoji", ...args])
    const events = stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l))
    return { code: outcome.code, signal: null, stdout, stderr, events }
  } finally {
    process.stdout.write = ow
    process.stderr.write = ew
  }
}
