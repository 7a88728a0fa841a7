/**
 * What the tests of the CLI's build share: a build folder of their own (ZAOJI_CLI_DIST, so the
 * repository's build is left alone), the prepare script pointed at it, a child process with its
 * output, and a retry on a fresh build when someone edits the sources during the test.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { expect } from "vitest"

export const repoRoot = path.resolve(import.meta.dirname, "../../..")
export const bin = path.join(repoRoot, "tools/cli/bin/zaoji.mjs")

export interface Ran {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** A temp folder with `dist` for the build; the build's external packages (tfjs, better-sqlite3, …) resolve from a node_modules above it. */
export const buildFolder = (prefix: string): { readonly tmp: string; readonly dist: string } => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(tmp, "node_modules"), "dir")
  return { tmp, dist: path.join(tmp, "dist") }
}

/** The prepare script itself, building into `dist`. */
export const prepare = async (dist: string): Promise<void> => {
  const r = await run("npm", ["run", "--silent", "prepare", "--", dist], {})
  expect(r.code, r.stderr).toBe(0)
  expect(fs.existsSync(path.join(dist, "manifest.json")), r.stdout + r.stderr).toBe(true)
}

/** a source edited while a test runs (by someone working in this tree): not what the test is about */
export class SourcesMoved extends Error {}

/** The test again on a fresh build when the sources moved under it (twice at most). */
export const whileSourcesStill = async (dist: string, test: () => Promise<void>): Promise<void> => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await test()
    } catch (e) {
      if (!(e instanceof SourcesMoved) || attempt === 3) throw e
      await prepare(dist)
    }
  }
}

/** Run a command from the repository root with `env` added, without colours. */
export const run = (command: string, args: ReadonlyArray<string>, env: Record<string, string>): Promise<Ran> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, [...args], {
      cwd: repoRoot,
      env: { ...process.env, FORCE_COLOR: "0", ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d))
    child.stderr.on("data", (d: Buffer) => (stderr += d))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })
