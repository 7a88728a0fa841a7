import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"

const root = path.resolve(import.meta.dirname, "../../..")
const bin = path.join(root, "tools/cli/bin/zaoji.mjs")
const recorder = path.join(import.meta.dirname, "fixtures/recordModules.mjs")

/** every plugin with stages */
const PLUGINS = ["@zaoji/datasets", "@zaoji/fine-tuning", "@zaoji/freeze", "@zaoji/knowledge-graph", "@zaoji/lora", "@zaoji/metrics", "@zaoji/ptuning-v2", "@zaoji/records"]

/** what a stage's run loads, and planning must not: tensor code, the LLM client, the word segmenter */
const RUN_ONLY = [/node_modules\/@tensorflow\//, /node_modules\/openai\//, /node_modules\/@node-rs\/jieba/]

/**
 * `zaoji plan` of the hepatobiliary workflow in a process of its own, from the TypeScript sources
 * (what every install can run), with every module it loads recorded.
 */
const planRecordingModules = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zaoji-plan-imports-"))
  const log = path.join(dir, "modules.log")
  const r = spawnSync(process.execPath, ["--import", recorder, bin, "plan", "workflows/hepatobiliary.workflow.ts", "--store", path.join(dir, "store"), "--json"], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ZAOJI_CLI_BUILD: "sources", ZAOJI_MODULE_LOG: log, FORCE_COLOR: "0" }
  })
  const modules = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter((l) => l !== "") : []
  fs.rmSync(dir, { recursive: true, force: true })
  return { ...r, modules }
}

describe("planning a workflow", () => {
  it("loads the workflow's stage definitions, not what their runs need (tfjs, openai, jieba)", () => {
    const r = planRecordingModules()
    expect(r.status, r.stderr).toBe(0)
    const rows = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; plugin: string })
    expect(rows.length).toBeGreaterThan(10)
    expect(rows.map((x) => x.plugin)).toEqual(expect.arrayContaining(["glm.pretrain", "ptuning-v2.train", "freeze.train", "metrics.compare", "kg.generate-qa", "records.process"]))
    // the recorder saw the workflow and the plugins it imports (a recorder that saw nothing proves nothing)
    expect(r.modules.some((m) => m.endsWith("workflows/hepatobiliary.workflow.ts"))).toBe(true)
    expect(r.modules.some((m) => m.includes("plugins/freeze/src/stage.ts"))).toBe(true)
    expect(r.modules.some((m) => m.includes("node_modules/effect/"))).toBe(true)
    for (const pattern of RUN_ONLY) expect(r.modules.filter((m) => pattern.test(m))).toEqual([])
    // nor any stage's run module
    expect(r.modules.filter((m) => /plugins\/(freeze|ptuning-v2)\/src\/train\.ts|pretrain\/run\.ts|compare\/run\.ts/.test(m))).toEqual([])
  })

  it("each plugin's package entry (what a workflow imports) loads none of that either", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zaoji-plugin-imports-"))
    const log = path.join(dir, "modules.log")
    const entries = PLUGINS.map((p) => `await import(${JSON.stringify(p)})`).join("; ")
    const r = spawnSync(process.execPath, ["--import", recorder, "--import", "tsx", "--input-type=module", "-e", entries], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, ZAOJI_MODULE_LOG: log }
    })
    const modules = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter((l) => l !== "") : []
    fs.rmSync(dir, { recursive: true, force: true })
    expect(r.status, r.stderr).toBe(0)
    for (const p of PLUGINS) expect(modules.some((m) => m.includes(`plugins/${p.slice("@zaoji/".length)}/src/index.ts`))).toBe(true)
    for (const pattern of RUN_ONLY) expect(modules.filter((m) => pattern.test(m))).toEqual([])
  })
})
