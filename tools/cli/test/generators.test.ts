/**
 * `zaoji new specialty` and `zaoji new plugin`: what they refuse, what they write, and that the
 * result works at once — the specialty type-checks and runs in the micro size to a report, and the
 * plugin type-checks, passes its own generated test and is importable by a workflow through its link.
 *
 * Everything is generated into a temporary folder inside the repository (test-results/ is ignored by
 * git), because generated files import @zaoji/* packages, which resolve from the repository's
 * node_modules only from inside its tree.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { loadWorkflowFile, type Workflow } from "@zaoji/core"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { cli } from "./cliInProcess.js"

const repoRoot = path.resolve(import.meta.dirname, "../../..")
const bin = path.join(repoRoot, "tools/cli/bin/zaoji.mjs")
fs.mkdirSync(path.join(repoRoot, "test-results"), { recursive: true })
const work = fs.mkdtempSync(path.join(repoRoot, "test-results", "tmp-generators-"))
const workflowsDir = path.join(work, "workflows")
const pluginDir = path.join(work, "plugins", "answer-stats")
afterAll(() => fs.rmSync(work, { recursive: true, force: true }))


/** a child process (tsc, vitest, the CLI) with vitest's own worker variables removed from its environment */
const exec = (args: ReadonlyArray<string>, cwd = repoRoot): Promise<{ code: number | null; stdout: string; stderr: string }> =>
  new Promise((resolve, reject) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("VITEST") && !k.startsWith("TINYPOOL")))
    const child = spawn(process.execPath, args, { cwd, env: { ...env, FORCE_COLOR: "0", NO_COLOR: "1" } })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (d: Buffer) => void (stdout += d))
    child.stderr.on("data", (d: Buffer) => void (stderr += d))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stdout, stderr }))
  })

const zaoji = (...args: string[]) => exec([bin, ...args])
const events = (stdout: string) =>
  stdout
    .trim()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l))

const listTree = (dir: string): Array<string> =>
  fs.existsSync(dir) ? fs.readdirSync(dir, { recursive: true }).map(String).sort() : []

const sampleKg = fs
  .readFileSync(path.join(repoRoot, "workflows/data/kg.jsonl"), "utf8")
  .trim()
  .split("\n")
  .map((l) => JSON.parse(l) as { departments: string[] })

/** the micro size: every stage of the specialty workflow, in seconds */
const micro = [
  "base.preset=micro", "base.steps=10", "base.batchSize=4", "base.blockLength=32", "base.warmupSteps=0", "base.workers=1",
  "medglm-general.steps=3", "medglm-general.batchSize=4", "medglm-general.workers=1",
  "medglm-h.steps=3", "medglm-h.batchSize=4", "medglm-h.trainableLayers=1", "medglm-h.workers=1",
  "eval.exam.limit=5", "eval.qa.limit=3", "eval.generalQa.limit=3", "eval.decoding.maxNewTokens=8", "eval.bootstrap.resamples=20"
].flatMap((s) => ["--set", s])

const structure = (w: Workflow.Workflow) => w.nodes.map((n) => ({ id: n.id, plugin: n.def.name, inputs: n.inputs }))
const configOf = (w: Workflow.Workflow, id: string) => w.nodes.find((n) => n.id === id)?.config

/** every string value in a config that names a file of the data folder */
const dataPaths = (w: Workflow.Workflow): Array<string> =>
  w.nodes.flatMap((n) => {
    const c = n.config as { source?: string; exam?: { file?: string } }
    return [c.source, c.exam?.file].filter((x): x is string => typeof x === "string")
  })

describe("zaoji new specialty", () => {
  it("refuses an invalid name or an existing workflow (exit 2), writing nothing", async () => {
    for (const bad of ["Cardiology", "9lives", "heart_surgery", "heart-", "a--b", "心内科"]) {
      const r = await cli("new", "specialty", bad, "--dir", workflowsDir)
      expect(r.code, bad).toBe(2)
      expect(r.stderr).toContain(`"${bad}" is not a valid specialty name`)
    }
    expect(listTree(workflowsDir)).toEqual([])

    const first = await cli("new", "specialty", "twice", "--dir", workflowsDir)
    expect(first.code).toBe(0)
    const before = listTree(workflowsDir)
    fs.appendFileSync(path.join(workflowsDir, "twice.workflow.ts"), "// edited\n")
    const again = await cli("new", "specialty", "twice", "--dir", workflowsDir)
    expect(again.code).toBe(2)
    expect(again.stderr).toMatch(/twice\.workflow\.ts already exists/)
    expect(listTree(workflowsDir)).toEqual(before)
    expect(fs.readFileSync(path.join(workflowsDir, "twice.workflow.ts"), "utf8")).toMatch(/\/\/ edited\n$/)
    // a data folder of that name is refused too (the workflow would read someone else's data)
    fs.rmSync(path.join(workflowsDir, "twice.workflow.ts"))
    const dataOnly = await cli("new", "specialty", "twice", "--dir", workflowsDir)
    expect(dataOnly.code).toBe(2)
    expect(dataOnly.stderr).toMatch(/twice already exists/)
    expect(fs.existsSync(path.join(workflowsDir, "twice.workflow.ts"))).toBe(false)
    fs.rmSync(path.join(workflowsDir, "twice"), { recursive: true })
  })

  it("outside any package, adds a package.json marking the folder as ES modules, and the workflow plans at once", async () => {
    const outside = fs.mkdtempSync(path.join(os.tmpdir(), "zaoji-specialty-"))
    try {
      const dir = path.join(outside, "team")
      const r = await cli("new", "specialty", "renal", "--dir", dir)
      expect(r.code, r.stderr).toBe(0)
      expect(JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"))).toEqual({ private: true, type: "module" })
      const plan = await zaoji("plan", path.join(dir, "renal.workflow.ts"))
      expect(plan.code, plan.stderr).toBe(0)
      expect(plan.stdout).toContain("18 to run, 0 cached")

      // inside a CommonJS package the workflow could not load: refused, nothing written
      const cjs = path.join(outside, "cjs-project")
      fs.mkdirSync(cjs)
      fs.writeFileSync(path.join(cjs, "package.json"), '{ "name": "legacy" }\n')
      const refused = await cli("new", "specialty", "renal", "--dir", path.join(cjs, "workflows"))
      expect(refused.code).toBe(2)
      expect(refused.stderr).toContain('has no "type": "module"')
      expect(listTree(cjs)).toEqual(["package.json"])
    } finally {
      fs.rmSync(outside, { recursive: true, force: true })
    }
  })

  it("writes the workflow, a copy of the sample data and a README; the same stages as hepatobiliary", async () => {
    const r = await cli("new", "specialty", "liver", "--department", "肝胆外科", "--dir", workflowsDir)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("created")
    expect(listTree(workflowsDir)).toEqual(
      ["liver", "liver.workflow.ts", ...["README.md", "corpus.txt", "exam.jsonl", "general_qa.jsonl", "kg.jsonl", "records.jsonl"].map((f) => `liver/${f}`)].sort()
    )
    for (const f of ["kg.jsonl", "records.jsonl", "exam.jsonl", "general_qa.jsonl", "corpus.txt"]) {
      expect(fs.readFileSync(path.join(workflowsDir, "liver", f), "utf8")).toBe(fs.readFileSync(path.join(repoRoot, "workflows/data", f), "utf8"))
    }
    const readme = fs.readFileSync(path.join(workflowsDir, "liver/README.md"), "utf8")
    expect(readme).toContain("liver.workflow.ts")
    expect(readme).toMatch(/kg\.jsonl.*records\.jsonl.*exam\.jsonl/s)
    expect(readme).not.toMatch(/\{\{\w+\}\}/)

    const generated = await Effect.runPromise(loadWorkflowFile(path.join(workflowsDir, "liver.workflow.ts")))
    const reference = await Effect.runPromise(loadWorkflowFile(path.join(repoRoot, "workflows/hepatobiliary.workflow.ts")))
    expect(generated.workflow.name).toBe("liver")
    expect(structure(generated.workflow)).toEqual(structure(reference.workflow))
    // and the data wiring is configured alike: what is held out, and what stage 2 replays
    for (const id of ["kg-qa", "general-split", "records-split", "replay", "specialty-data"])
      expect(configOf(generated.workflow, id), id).toEqual(configOf(reference.workflow, id))
    expect(dataPaths(generated.workflow).sort()).toEqual(dataPaths(reference.workflow).map((p) => p.replace(/^data\//, "liver/")).sort())
    expect(generated.workflow.nodes.find((n) => n.id === "kg")!.config).toMatchObject({ select: { departments: ["肝胆外科"] } })

    // a department the sample graph lacks: the selection waits for the team's own kg.jsonl
    const c = await cli("new", "specialty", "cardiology", "--department", "心内科", "--dir", workflowsDir)
    expect(c.code).toBe(0)
    expect(c.stdout).toMatch(/no entry of 心内科/)
    const cardiology = fs.readFileSync(path.join(workflowsDir, "cardiology.workflow.ts"), "utf8")
    expect(cardiology).toContain("const departments: Array<string> = []")
    expect(cardiology).toContain('["心内科"]')
    expect(fs.readFileSync(path.join(workflowsDir, "cardiology/README.md"), "utf8")).toMatch(/To do.*心内科/s)
  })


})

describe("zaoji new plugin", () => {

  it("refuses an invalid name, an existing plugin or a taken package name (exit 2), writing nothing", async () => {
    for (const bad of ["AnswerStats", "answer_stats", "1plugin"]) {
      const r = await cli("new", "plugin", bad, "--root", work)
      expect(r.code, bad).toBe(2)
      expect(r.stderr).toContain(`"${bad}" is not a valid plugin name`)
    }
    fs.mkdirSync(path.join(work, "node_modules", "@zaoji", "taken"), { recursive: true })
    const taken = await cli("new", "plugin", "taken", "--root", work)
    expect(taken.code).toBe(2)
    expect(taken.stderr).toContain("@zaoji/taken already exists")
    expect(listTree(path.join(work, "plugins"))).toEqual([])
  })

  it("scaffolds an Nx project like the others, linked into node_modules; a second time is refused", async () => {
    const r = await cli("new", "plugin", "answer-stats", "--root", work)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("npm install")
    expect(listTree(pluginDir)).toEqual(["README.md", "package.json", "src", "src/index.ts", "test", "test/stage.test.ts", "tsconfig.json"])
    const pkg = JSON.parse(fs.readFileSync(path.join(pluginDir, "package.json"), "utf8"))
    // shaped like a plain plugin of the repository (its Nx targets), declaring the workspace packages its source imports;
    // one entry (a generated plugin has no run side to put in a ./kit entry yet)
    const existing = JSON.parse(fs.readFileSync(path.join(repoRoot, "plugins/lora/package.json"), "utf8"))
    expect(pkg).toEqual({ ...existing, name: "@zaoji/answer-stats", exports: { ".": "./src/index.ts" }, dependencies: { "@zaoji/core": "*", "@zaoji/data": "*" } })
    const tsconfig = JSON.parse(fs.readFileSync(path.join(pluginDir, "tsconfig.json"), "utf8"))
    expect(path.resolve(pluginDir, tsconfig.extends)).toBe(path.join(repoRoot, "tsconfig.base.json"))
    const link = path.join(work, "node_modules", "@zaoji", "answer-stats")
    expect(fs.readlinkSync(link)).toBe(path.join("..", "..", "plugins", "answer-stats"))
    expect(fs.realpathSync(link)).toBe(fs.realpathSync(pluginDir))

    const again = await cli("new", "plugin", "answer-stats", "--root", work)
    expect(again.code).toBe(2)
    expect(again.stderr).toMatch(/answer-stats already exists/)
  })


})

describe("what was generated works at once", () => {
  let typecheck: ReturnType<typeof exec>
  beforeAll(() => {
    // a workflow using the new plugin through its package name
    fs.writeFileSync(
      path.join(workflowsDir, "uses-plugin.workflow.ts"),
      [
        'import { Workflow } from "@zaoji/core"',
        'import { Datasets } from "@zaoji/datasets"',
        'import { AnswerStats } from "@zaoji/answer-stats"',
        "",
        'export default Workflow.make("uses-plugin", (w) => {',
        '  const qa = w.stage("general-qa", Datasets.load, { source: "liver/general_qa.jsonl", label: "general" })',
        '  w.stage("count", AnswerStats.count, { minLength: 30 }, { data: qa })',
        "})",
        ""
      ].join("\n")
    )
    // and the compiler does look at them: a wrong config value in a copy is the one error expected
    const liver = fs.readFileSync(path.join(workflowsDir, "liver.workflow.ts"), "utf8")
    expect(liver).toContain('preset: "tiny"')
    fs.writeFileSync(path.join(workflowsDir, "broken.workflow.ts"), liver.replace('preset: "tiny"', 'preset: "huge"'))
    // one compiler run over everything generated above, under the repository's compiler settings
    fs.writeFileSync(
      path.join(work, "tsconfig.json"),
      JSON.stringify({
        extends: path.relative(work, path.join(repoRoot, "tsconfig.base.json")).split(path.sep).join("/"),
        include: ["workflows/*.ts", "plugins/*/src/**/*.ts", "plugins/*/test/**/*.ts"]
      })
    )
    typecheck = exec([path.join(repoRoot, "node_modules/typescript/bin/tsc"), "-p", path.join(work, "tsconfig.json"), "--noEmit", "--pretty", "false"])
    // (the compiler runs beside the tests below; it is awaited last)
  })

  it("the generated specialty workflow runs in the micro size to a report of the three models, then all cached", async () => {
    const store = path.join(work, "store-liver")
    const wf = path.join(workflowsDir, "liver.workflow.ts")
    const r = await zaoji("run", wf, "--store", store, "--json", ...micro)
    expect(r.code, r.stderr).toBe(0)
    const ev = events(r.stdout)
    expect(ev.at(-1)).toMatchObject({ type: "run", status: "done", workflow: "liver" })
    const done = new Map(ev.filter((e) => e.type === "stage" && e.status === "done").map((e) => [e.stage, e.key as string]))
    expect(done.size).toBe(18)
    expect(ev.some((e) => e.type === "progress" && e.stage === "base")).toBe(true)

    const manifest = (stage: string) => JSON.parse(fs.readFileSync(path.join(store, "artifacts", done.get(stage)!, "manifest.json"), "utf8"))
    // the department selection is in effect: the KG stage kept exactly the 肝胆外科 entries
    expect(manifest("kg").output.count).toBe(sampleKg.filter((e) => e.departments.includes("肝胆外科")).length)
    expect(manifest("kg").output.count).toBeLessThan(sampleKg.length)

    const report = path.join(store, "artifacts", done.get("eval")!)
    for (const f of ["report.md", "report.html", "metrics.json"]) expect(fs.existsSync(path.join(report, f)), f).toBe(true)
    const metrics = JSON.parse(fs.readFileSync(path.join(report, "metrics.json"), "utf8"))
    expect(metrics.models.map((m: { name: string }) => m.name)).toEqual(["base", "stage1", "stage2"])
    expect(Object.keys(metrics.summary["exam.loglik.acc"]).sort()).toEqual(["base", "stage1", "stage2"])
    for (const v of Object.values(metrics.summary["exam.loglik.acc"])) expect(v).toBeGreaterThanOrEqual(0)
    expect(fs.readFileSync(path.join(report, "report.md"), "utf8")).toContain("# Liver: base vs stage 1 vs stage 2")

    const again = events((await zaoji("run", wf, "--store", store, "--json", ...micro)).stdout)
    const stages = again.filter((e) => e.type === "stage")
    expect(stages).toHaveLength(18)
    expect(stages.every((e) => e.status === "cached")).toBe(true)
  })

  it("with a department the sample lacks, the knowledge graph stage still yields the whole sample graph", async () => {
    const store = path.join(work, "store-cardiology")
    const r = await zaoji("run", path.join(workflowsDir, "cardiology.workflow.ts"), "--store", store, "--json", "--only", "kg")
    expect(r.code, r.stderr).toBe(0)
    const kg = events(r.stdout).find((e) => e.type === "stage" && e.stage === "kg" && e.status === "done")
    const out = JSON.parse(fs.readFileSync(path.join(store, "artifacts", kg.key, "manifest.json"), "utf8")).output
    expect(out.count).toBe(sampleKg.length)
  })

  it("the new plugin's own generated test passes", async () => {
    const r = await exec([path.join(repoRoot, "node_modules/vitest/vitest.mjs"), "run", "--root", pluginDir])
    expect(r.code, r.stdout + r.stderr).toBe(0)
    expect(r.stdout).toMatch(/Tests\s+3 passed/)
  })

  it("a workflow imports the new plugin through its link at once and runs its stage", async () => {
    const wf = path.join(workflowsDir, "uses-plugin.workflow.ts")
    const r = await zaoji("run", wf, "--store", path.join(work, "store-plugin"), "--json")
    expect(r.code, r.stderr).toBe(0)
    const count = events(r.stdout).find((e) => e.type === "stage" && e.stage === "count" && e.status === "done")
    const artifact = path.join(work, "store-plugin", "artifacts", count.key)
    const answers = fs
      .readFileSync(path.join(repoRoot, "workflows/data/general_qa.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l).answer as string)
    const expected = answers.filter((a) => [...a].length >= 30).length
    expect(expected).toBeGreaterThan(0)
    expect(expected).toBeLessThan(answers.length)
    expect(JSON.parse(fs.readFileSync(path.join(artifact, "manifest.json"), "utf8")).output).toEqual({ file: "counts.json", count: expected, total: answers.length })
    expect(JSON.parse(fs.readFileSync(path.join(artifact, "counts.json"), "utf8"))).toEqual({
      minLength: 30,
      total: answers.length,
      counted: expected,
      bySource: { general: expected }
    })
  })

  it("everything generated type-checks: the workflows, the plugin (source and test) and a workflow using it", async () => {
    const r = await typecheck
    const errors = r.stdout.split("\n").filter((l) => /error TS\d+/.test(l))
    expect(errors, r.stdout + r.stderr).toHaveLength(1)
    expect(errors[0]).toMatch(/workflows\/broken\.workflow\.ts\(\d+,\d+\): error TS\d+: .*"huge"/)
  })
})
