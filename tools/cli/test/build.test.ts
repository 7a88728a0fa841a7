/**
 * The CLI's build (`npm run prepare` → tools/cli/dist): the bin runs exactly what prepare wrote
 * while it matches the sources, and never a build the sources have moved past. Each test builds into
 * a folder of its own (ZAOJI_CLI_DIST), so the repository's own build is left alone.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"

const repoRoot = path.resolve(import.meta.dirname, "../../..")
const bin = path.join(repoRoot, "tools/cli/bin/zaoji.mjs")
const sample = path.join(repoRoot, "test/engine/fixtures/sample.workflow.ts")

let tmp: string
let dist: string

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zaoji-build-"))
  // the build's external packages (tfjs, better-sqlite3, …) resolve from a node_modules above it
  fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(tmp, "node_modules"), "dir")
  dist = path.join(tmp, "dist")
  // the prepare script itself, pointed at this folder
  await prepare()
})

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

describe("zaoji from its build", () => {
  it("prepare writes the build the bin runs: main.js from it, and workflows planned through the bundled packages", () =>
    whileSourcesStill(async () => {
      const version = await zaoji(["--version"], "dist")
      expect(version.code, version.stderr).toBe(0)
      expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)

      // the same plan, keys included, from the build and from the sources
      const fromBuild = await zaoji(["plan", sample, "--store", path.join(tmp, "store"), "--json"], "dist")
      expect(fromBuild.code, fromBuild.stderr).toBe(0)
      const fromSources = await zaoji(["plan", sample, "--store", path.join(tmp, "store"), "--json"], "sources")
      expect(fromSources.code, fromSources.stderr).toBe(0)
      expect(planRows(fromBuild.stdout)).toEqual(planRows(fromSources.stdout))
      expect(planRows(fromBuild.stdout).map((r) => r.stage)).toEqual(["a", "up", "items", "count"])

      // what runs is main.js as prepare wrote it: replaced, the replacement runs
      const main = path.join(dist, "main.js")
      const original = fs.readFileSync(main)
      try {
        fs.writeFileSync(main, 'export const main = async () => { process.stdout.write("the build ran\\n") }\n')
        const r = await zaoji(["--version"], "dist")
        expect(r.stdout).toBe("the build ran\n")
      } finally {
        fs.writeFileSync(main, original)
      }
  }))

  it("a build older than a source is never run: the sources run instead, and ZAOJI_CLI_BUILD=dist says which file changed", () =>
    whileSourcesStill(async () => {
      const manifestFile = path.join(dist, "manifest.json")
      const main = path.join(dist, "main.js")
      const manifest = fs.readFileSync(manifestFile, "utf8")
      const original = fs.readFileSync(main)
      try {
        // the build as it would be had tools/cli/src/cli.ts been edited after it was made
        const m = JSON.parse(manifest) as { files: Array<{ path: string; size: number; mtimeMs: number; sha256: string }> }
        const entry = m.files.find((f) => f.path === cliSource)
        expect(entry, "the manifest lists the CLI's own sources").toBeDefined()
        entry!.mtimeMs -= 1000
        entry!.sha256 = "0".repeat(64)
        fs.writeFileSync(manifestFile, JSON.stringify(m))
        fs.writeFileSync(main, 'export const main = async () => { process.stdout.write("the stale build ran\\n") }\n')

        const auto = await zaoji(["--version"], "auto")
        expect(auto.code, auto.stderr).toBe(0)
        expect(auto.stdout).not.toContain("stale build")
        expect(auto.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)

        const strict = await zaoji(["--version"], "dist", cliSource)
        expect(strict.code).toBe(2)
        expect(strict.stdout).toBe("")
        expect(strict.stderr).toContain(`${cliSource} changed since the build`)
        expect(strict.stderr).toContain("npm run prepare")
      } finally {
        fs.writeFileSync(manifestFile, manifest)
        fs.writeFileSync(main, original)
      }
  }))

  it("a file touched but unchanged keeps the build current (its hash is compared when its time differs)", () =>
    whileSourcesStill(async () => {
      const manifestFile = path.join(dist, "manifest.json")
      const manifest = fs.readFileSync(manifestFile, "utf8")
      try {
        const m = JSON.parse(manifest) as { files: Array<{ path: string; mtimeMs: number }> }
        for (const f of m.files) f.mtimeMs -= 1000
        fs.writeFileSync(manifestFile, JSON.stringify(m))
        const r = await zaoji(["--version"], "dist")
        expect(r.code, r.stderr).toBe(0)
      } finally {
        fs.writeFileSync(manifestFile, manifest)
      }
  }))
})

// internal

interface Ran {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

const cliSource = path.join("tools", "cli", "src", "cli.ts")

/** a source edited while a test runs (by someone working in this tree): not what the test is about */
class SourcesMoved extends Error {}

/**
 * `zaoji ARGS` with the build in `dist`; with ZAOJI_CLI_BUILD=dist, a refusal naming a file other
 * than `tampered` means the sources moved during the test, which is retried on a fresh build.
 */
const zaoji = async (args: ReadonlyArray<string>, mode: "auto" | "dist" | "sources", tampered?: string) => {
  const r = await run(bin, args, { ZAOJI_CLI_DIST: dist, ZAOJI_CLI_BUILD: mode })
  const stale = /the build is not current: (\S+) (changed|was removed) since the build/.exec(r.stderr)
  if (mode === "dist" && r.code === 2 && stale && stale[1] !== tampered) throw new SourcesMoved(r.stderr)
  return r
}

const prepare = async () => {
  const r = await run("npm", ["run", "--silent", "prepare", "--", dist], {}, { viaNode: false })
  expect(r.code, r.stderr).toBe(0)
  expect(fs.existsSync(path.join(dist, "manifest.json")), r.stdout + r.stderr).toBe(true)
}

const whileSourcesStill = async (test: () => Promise<void>) => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await test()
    } catch (e) {
      if (!(e instanceof SourcesMoved) || attempt === 3) throw e
      await prepare()
    }
  }
}

const run = (command: string, args: ReadonlyArray<string>, env: Record<string, string>, { viaNode = true } = {}): Promise<Ran> =>
  new Promise((resolve, reject) => {
    const child = spawn(viaNode ? process.execPath : command, viaNode ? [command, ...args] : [...args], {
      cwd: repoRoot,
      env: { ...process.env, FORCE_COLOR: "0", ...env }
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => (stdout += d))
    child.stderr.on("data", (d: Buffer) => (stderr += d))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

const planRows = (stdout: string) =>
  stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { stage: string; key: string; action: string })
    .map((r) => ({ stage: r.stage, key: r.key, action: r.action }))
