/**
 * The local OpenAI-compatible server of @zaoji/testing as its own child process (so a test can
 * kill -9 the workflow and keep the server's request log), driven over its /__control endpoints.
 */
import { spawn, type ChildProcess } from "node:child_process"
import * as path from "node:path"
import type { Fault, RecordedRequest } from "@zaoji/testing"
import { repoRoot } from "../engine/cliProcess.js"

export interface LlmServerProcess {
  readonly baseURL: string
  /** queue `count` faults for the next chat requests */
  readonly fail: (count: number, fault: Fault) => Promise<void>
  /** every request received since the last clear */
  readonly requests: () => Promise<ReadonlyArray<RecordedRequest>>
  /** forget requests and pending faults */
  readonly clear: () => Promise<void>
  readonly close: () => Promise<void>
}

const main = path.join(repoRoot, "libs/testing/src/llmServerMain.ts")

/** Start the server; `handler` is a module path (relative to the repository) default-exporting a ChatHandler. */
export const startLlmServerProcess = (options: { readonly apiKey?: string; readonly handler?: string } = {}): Promise<LlmServerProcess> =>
  new Promise((resolve, reject) => {
    const args = ["--import", "tsx", main, "--port", "0"]
    if (options.apiKey) args.push("--api-key", options.apiKey)
    if (options.handler) args.push("--handler", options.handler)
    const child: ChildProcess = spawn(process.execPath, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] })
    let out = ""
    let err = ""
    child.stderr!.on("data", (d: Buffer) => (err += d))
    child.once("exit", (code) => reject(new Error(`llm server exited (${code}) before listening: ${err}`)))
    child.stdout!.on("data", (d: Buffer) => {
      out += d
      const nl = out.indexOf("\n")
      if (nl < 0) return
      const { baseURL } = JSON.parse(out.slice(0, nl)) as { baseURL: string }
      const origin = new URL(baseURL).origin
      const control = async (what: string, body?: unknown) => {
        const res = await fetch(`${origin}/__control/${what}`, body === undefined ? {} : { method: "POST", body: JSON.stringify(body) })
        if (!res.ok) throw new Error(`control ${what}: ${res.status}`)
        return res.json()
      }
      resolve({
        baseURL,
        fail: async (count, fault) => void (await control("fail", { count, fault })),
        requests: () => control("requests") as Promise<ReadonlyArray<RecordedRequest>>,
        clear: async () => void (await control("clear", {})),
        close: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done()
            child.once("exit", () => done())
            child.kill("SIGTERM")
          })
      })
    })
  })
