/**
 * The CLI's build (`npm run prepare` → tools/cli/dist): the bin runs exactly what prepare wrote
 * while it matches the sources, and never a build the sources have moved past. Each test builds into
 * a folder of its own (ZAOJI_CLI_DIST), so the repository's own build is left alone.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { helpKey, makeCliTables } from "../src/cliTables.js"
import { bin, buildFolder, prepare as prepareBuild, repoRoot, run, SourcesMoved, whileSourcesStill as onFreshBuild } from "./cliBuild.js"

const sample = path.join(repoRoot, "test/engine/fixtures/sample.workflow.ts")

let tmp: string
let dist: string

beforeAll(async () => {
  ;({ tmp, dist } = buildFolder("zaoji-build-"))
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
        const r = await zaoji(["runs", "--store", tmp], "dist")
        expect(r.stdout).toBe("the build ran\n")
      } finally {
        fs.writeFileSync(main, original)
      }
  }))

  it("help and version lines print the text saved with the build, which is what the CLI prints, without loading the CLI", () =>
    whileSourcesStill(async () => {
      const saved = (JSON.parse(fs.readFileSync(path.join(dist, "cli.json"), "utf8")) as { help: Record<string, string> }).help
      // every help form the command tree has, rendered now from the sources, equals what the build saved
      const live = (await makeCliTables()).help
      expect(Object.keys(saved).sort()).toEqual(Object.keys(live).sort())
      for (const [form, text] of Object.entries(live)) expect(saved[form], form.replaceAll("\0", " ")).toBe(text)
      expect(Object.keys(saved)).toEqual(expect.arrayContaining([helpKey(["--help"]), helpKey(["status", "-h"]), helpKey(["new", "plugin", "--help"])]))

      // the bin prints them without importing the CLI: with main.js broken, help still works
      const main = path.join(dist, "main.js")
      const original = fs.readFileSync(main)
      try {
        fs.writeFileSync(main, 'throw new Error("main.js was loaded")\n')
        for (const form of [["--help"], ["status", "-h"], ["--version"], []]) {
          const r = await zaoji(form, "dist")
          expect(r.code, r.stderr).toBe(0)
          expect(r.stdout).toBe(saved[helpKey(form)])
        }
        const other = await zaoji(["status", "--store", tmp], "dist")
        expect(other.stderr).toContain("main.js was loaded")
      } finally {
        fs.writeFileSync(main, original)
      }
      // and the same words from the sources print the same
      const fromSources = await zaoji(["status", "--help"], "sources")
      expect(fromSources.code, fromSources.stderr).toBe(0)
      expect(fromSources.stdout).toBe(saved[helpKey(["status", "--help"])])
  }))

  it("plain plan, status and runs lines run from the build without loading @effect/cli; another form of the same command does load it", () =>
    whileSourcesStill(async () => {
      const store = path.join(tmp, "direct-store")
      const seeded = await zaoji(["run", sample, "--store", store, "--json"], "dist")
      expect(seeded.code, seeded.stderr).toBe(0)
      // the chunks of the build that hold @effect/cli's modules (by the build's own metafile)
      const meta = JSON.parse(fs.readFileSync(path.join(dist, "meta.json"), "utf8")) as { outputs: Record<string, { inputs: Record<string, unknown> }> }
      const cliChunks = Object.entries(meta.outputs)
        .filter(([file, o]) => file.endsWith(".js") && Object.keys(o.inputs).some((i) => i.includes("node_modules/@effect/cli/")))
        .map(([file]) => path.basename(file))
      expect(cliChunks.length).toBeGreaterThan(0)
      const loadsCli = (modules: ReadonlyArray<string>) => modules.some((m) => cliChunks.some((c) => m.endsWith(`/${c}`)))
      for (const args of [["status", "--store", store], ["runs", "--store", store, "--json"], ["plan", sample, "--store", store]]) {
        const r = await recording(args)
        expect(r.code, r.stderr).toBe(0)
        expect(r.modules.some((m) => m.endsWith("/main.js")), "the recorder saw the build").toBe(true)
        expect(loadsCli(r.modules), args.join(" ")).toBe(false)
      }
      // the same command in a form only @effect/cli parses (`--name=value`): same output, through @effect/cli
      const viaCli = await recording(["status", `--store=${store}`])
      expect(viaCli.code, viaCli.stderr).toBe(0)
      expect(loadsCli(viaCli.modules)).toBe(true)
      expect(viaCli.stdout).toBe((await recording(["status", "--store", store])).stdout)
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

const cliSource = path.join("tools", "cli", "src", "cli.ts")

/**
 * `zaoji ARGS` with the build in `dist`; with ZAOJI_CLI_BUILD=dist, a refusal naming a file other
 * than `tampered` means the sources moved during the test, which is retried on a fresh build.
 */
const zaoji = async (args: ReadonlyArray<string>, mode: "auto" | "dist" | "sources", tampered?: string) => {
  const r = await run(process.execPath, [bin, ...args], { ZAOJI_CLI_DIST: dist, ZAOJI_CLI_BUILD: mode })
  const stale = /the build is not current: (\S+) (changed|was removed) since the build/.exec(r.stderr)
  if (mode === "dist" && r.code === 2 && stale && stale[1] !== tampered) throw new SourcesMoved(r.stderr)
  return r
}

/** `zaoji ARGS` from the build with every module it loads recorded (test/fixtures/recordModules.mjs) */
const recording = async (args: ReadonlyArray<string>) => {
  const log = path.join(tmp, `modules-${Math.random().toString(36).slice(2)}.log`)
  const r = await run(process.execPath, ["--import", path.join(import.meta.dirname, "fixtures/recordModules.mjs"), bin, ...args], {
    ZAOJI_CLI_DIST: dist,
    ZAOJI_CLI_BUILD: "dist",
    ZAOJI_MODULE_LOG: log
  })
  const stale = /the build is not current: (\S+) (changed|was removed) since the build/.exec(r.stderr)
  if (r.code === 2 && stale) throw new SourcesMoved(r.stderr)
  const modules = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter((l) => l !== "") : []
  return { ...r, modules }
}

const prepare = () => prepareBuild(dist)

const whileSourcesStill = (test: () => Promise<void>) => onFreshBuild(dist, test)

const planRows = (stdout: string) =>
  stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { stage: string; key: string; action: string })
    .map((r) => ({ stage: r.stage, key: r.key, action: r.action }))
