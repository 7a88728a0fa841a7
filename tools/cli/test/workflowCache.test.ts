/**
 * The compiled-workflow cache (src/workflowCache.ts): from its build, the CLI loads a workflow as
 * a module esbuild compiled, without registering TypeScript's loader; the module is recompiled when
 * a file it was compiled from changes; a stage's run kept in a TypeScript module of its own still
 * loads (through tsx, registered then). The CLI is built into a folder of its own (ZAOJI_CLI_DIST)
 * and the workflow lives in a folder of its own, outside this repository, with a plugin of its own.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { bin, buildFolder, prepare as prepareBuild, run, SourcesMoved, whileSourcesStill as onFreshBuild, type Ran } from "./cliBuild.js"

const recorder = path.join(import.meta.dirname, "fixtures/recordModules.mjs")

let tmp: string
let dist: string
let cache: string
let wf: string

beforeAll(async () => {
  ;({ tmp, dist } = buildFolder("zaoji-workflow-cache-"))
  cache = path.join(tmp, "cache")
  wf = path.join(tmp, "wf")
  fs.mkdirSync(wf)
  for (const [name, text] of Object.entries(WORKFLOW_FILES)) fs.writeFileSync(path.join(wf, name), text)
  await prepare()
}, 120_000)

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }))

describe("the compiled-workflow cache", () => {
  it("plans from a compiled module without TypeScript's loader, with the keys tsx gives, and recompiles when an imported plugin source changes", () =>
    whileSourcesStill(async () => {
      fs.rmSync(cache, { recursive: true, force: true })
      fs.writeFileSync(path.join(wf, "plugin.ts"), WORKFLOW_FILES["plugin.ts"]!)
      const viaTsx = await plan("off")
      expect(viaTsx.code, viaTsx.stderr).toBe(0)
      // the recorder sees tsx where it is registered (else its absence below would prove nothing)
      expect(viaTsx.modules.some((m) => m.includes("/node_modules/tsx/"))).toBe(true)

      const first = await plan(cache)
      expect(first.code, first.stderr).toBe(0)
      expect(first.stderr).not.toMatch(/workflow cache could not compile/)
      expect(keys(first.stdout)).toEqual(keys(viaTsx.stdout))
      const compiled = fs.readdirSync(cache).filter((f) => f.endsWith(".mjs"))
      expect(compiled).toHaveLength(1)
      const manifest = path.join(cache, compiled[0]!.replace(/\.mjs$/, ".json"))
      const inputs = () => (JSON.parse(fs.readFileSync(manifest, "utf8")) as { files: Array<{ path: string }> }).files.map((f) => path.basename(f.path)).sort()
      // the workflow and its plugin's definitions went in; the run module stays outside (loaded when the stage runs)
      expect(inputs()).toEqual(["greet.workflow.ts", "plugin.ts"])

      const compiledAt = fs.statSync(path.join(cache, compiled[0]!)).mtimeMs
      // the second plan imports the compiled module as it is: no tsx, no TypeScript source of the workflow's
      const second = await plan(cache)
      expect(second.code, second.stderr).toBe(0)
      expect(keys(second.stdout)).toEqual(keys(viaTsx.stdout))
      expect(fs.statSync(path.join(cache, compiled[0]!)).mtimeMs).toBe(compiledAt)
      expect(second.modules.some((m) => m.endsWith(compiled[0]!))).toBe(true)
      expect(second.modules.some((m) => m.includes(`${dist}/zaoji-core.js`))).toBe(true)
      expect(second.modules.filter((m) => m.includes("/node_modules/tsx/") || m.endsWith(".ts"))).toEqual([])

      // the plugin's stage version changes: the module is recompiled, and the key follows
      const pluginFile = path.join(wf, "plugin.ts")
      fs.writeFileSync(pluginFile, fs.readFileSync(pluginFile, "utf8").replace('VERSION = "1"', 'VERSION = "2"'))
      const changed = await plan(cache)
      expect(changed.code, changed.stderr).toBe(0)
      expect(keys(changed.stdout)).not.toEqual(keys(viaTsx.stdout))
      const changedViaTsx = await plan("off")
      expect(keys(changed.stdout)).toEqual(keys(changedViaTsx.stdout))
      expect(fs.readFileSync(path.join(cache, compiled[0]!), "utf8")).toContain('VERSION = "2"')
  }), 240_000)

  it("runs a stage whose run is a TypeScript module of its own: loaded from its source when it runs", () =>
    whileSourcesStill(async () => {
      const r = stillCurrent(await run(process.execPath, [bin, "run", path.join(wf, "greet.workflow.ts"), "--store", path.join(tmp, "run-store")], env(cache)))
      expect(r.code, r.stderr + r.stdout).toBe(0)
      const out = findFile(path.join(tmp, "run-store"), "greeting.txt")
      // written by greetRun.ts, which knows where it is
      expect(fs.readFileSync(out!, "utf8")).toBe("hello, from greetRun.ts")
  }), 240_000)
})

// internal

/** a workflow outside the repository, its own plugin (definitions; the run in a module of its own) */
const WORKFLOW_FILES: Record<string, string> = {
  "package.json": '{ "type": "module" }\n',
  "plugin.ts": [
    'import { Stage } from "@zaoji/core"',
    'import { Schema } from "effect"',
    'export const VERSION = "1"',
    "export const here = import.meta.url",
    "export const greet = Stage.make({",
    '  name: "test.greet",',
    "  version: VERSION,",
    "  config: Schema.Struct({ text: Schema.String }),",
    "  output: Schema.Struct({ text: Schema.String }),",
    "  inputs: Stage.inputs(),",
    '  run: Stage.lazyRun(() => import("./greetRun.js"))',
    "})",
    ""
  ].join("\n"),
  "greetRun.ts": [
    'import { Effect } from "effect"',
    'import * as fs from "node:fs"',
    'import * as path from "node:path"',
    "export const run = ({ config, ctx }: { config: { text: string }; ctx: { outDir: string } }) =>",
    "  Effect.sync(() => {",
    '    fs.writeFileSync(path.join(ctx.outDir, "greeting.txt"), `${config.text}, from ${path.basename(new URL(import.meta.url).pathname)}`)',
    "    return { text: config.text }",
    "  })",
    ""
  ].join("\n"),
  "greet.workflow.ts": [
    'import { Workflow } from "@zaoji/core"',
    'import { greet, here } from "./plugin.js"',
    "// bundled or not, a module's import.meta.url names its own source file",
    'if (!here.endsWith("/wf/plugin.ts")) throw new Error(`import.meta.url of plugin.ts is ${here}`)',
    'export default Workflow.make("greet", (w) => {',
    '  w.stage("hello", greet, { text: "hello" })',
    "})",
    ""
  ].join("\n")
}

const env = (workflowCache: string) => ({ ZAOJI_CLI_DIST: dist, ZAOJI_CLI_BUILD: "dist", ZAOJI_WORKFLOW_CACHE: workflowCache })

/** `zaoji plan --json` of the workflow from the build, every module the process loads recorded */
const plan = async (workflowCache: string) => {
  const log = path.join(tmp, `modules-${Date.now()}.log`)
  const r = await run(process.execPath, ["--import", recorder, bin, "plan", path.join(wf, "greet.workflow.ts"), "--store", path.join(tmp, "store"), "--json"], {
    ...env(workflowCache),
    ZAOJI_MODULE_LOG: log
  })
  const modules = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter((l) => l !== "") : []
  return { ...stillCurrent(r), modules }
}

const keys = (stdout: string) =>
  stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { type: string; stage: string; key: string })
    .filter((x) => x.type === "plan")
    .map((x) => [x.stage, x.key])

const findFile = (dir: string, name: string): string | undefined => {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) {
      const f = findFile(p, name)
      if (f) return f
    } else if (e.name === name) return p
  }
  return undefined
}

const stillCurrent = (r: Ran): Ran => {
  if (r.code === 2 && /the build is not current/.test(r.stderr)) throw new SourcesMoved(r.stderr)
  return r
}

const prepare = () => prepareBuild(dist)

const whileSourcesStill = (test: () => Promise<void>) => onFreshBuild(dist, test)
