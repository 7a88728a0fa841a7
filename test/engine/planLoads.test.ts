/**
 * What loading and planning a workflow load: the stage definitions, not what the stages' runs need
 * (the records pipeline's tables, the KG loader, the leakage check, the CSV parser) nor the journal's
 * SQL layer. Each case runs in a process of its own under tsx, with every module it loads recorded
 * (the CLI's recorder fixture), and asserts on that list.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { tmpDir } from "./helpers.js"

const root = path.resolve(import.meta.dirname, "../..")
const recorder = path.join(root, "tools/cli/test/fixtures/recordModules.mjs")

/** the run-only modules of the plugins a workflow imports, and the packages only runs use */
const RUN_ONLY = [
  /plugins\/records\/src\/(deid\/(?!rule\.ts)|scrub\.ts|processRecord\.ts|processRun\.ts|polish\.ts)/,
  /plugins\/knowledge-graph\/src\/(runs|loadKg|templates|stats|generateLlm)\.ts/,
  /plugins\/metrics\/src\/leakage\/check\.ts/,
  /node_modules\/csv-parse\//
]
/** the journal's SQL client layer: a plan reads the journal file directly, when there is one */
const SQL_LAYER = /node_modules\/@effect\/sql/
const SQLITE = /node_modules\/better-sqlite3\//

/** run `script` (an ES module's text) under tsx from the repository root, recording every module it loads */
const recorded = (script: string) => {
  const dir = tmpDir("plan-loads")
  const log = path.join(dir, "modules.log")
  const r = spawnSync(process.execPath, ["--import", recorder, "--import", "tsx", "--input-type=module", "-e", script], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, ZAOJI_MODULE_LOG: log }
  })
  expect(r.status, r.stderr).toBe(0)
  const modules = fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n").filter((l) => l !== "") : []
  // a recorder that saw nothing proves nothing
  expect(modules.some((m) => m.includes("plugins/records/src/stages.ts"))).toBe(true)
  return { stdout: r.stdout, modules }
}

const planScript = (store: string) => `
  import { Effect } from "effect"
  import { planWorkflow } from "@zaoji/core"
  import wf from "./workflows/hepatobiliary.workflow.ts"
  const rows = await Effect.runPromise(planWorkflow({ workflow: wf, baseDir: "workflows", storeDir: ${JSON.stringify(store)} }))
  console.log(rows.length)
`

describe("loading and planning a workflow", () => {
  it("the plugin entries a workflow imports load the stage definitions only", () => {
    const { modules } = recorded(
      ["datasets", "fine-tuning", "freeze", "knowledge-graph", "metrics", "ptuning-v2", "records"].map((p) => `await import("@zaoji/${p}")`).join("; ")
    )
    for (const pattern of [...RUN_ONLY, SQL_LAYER, SQLITE]) expect(modules.filter((m) => pattern.test(m))).toEqual([])
  })

  it("a plan loads none of the runs, nor SQLite on a store where nothing has run, nor the journal's SQL layer on one where something has", () => {
    const store = path.join(tmpDir("plan-loads-store"), "store")
    const fresh = recorded(planScript(store))
    expect(Number(fresh.stdout.trim())).toBeGreaterThan(10)
    for (const pattern of [...RUN_ONLY, SQL_LAYER, SQLITE]) expect(fresh.modules.filter((m) => pattern.test(m))).toEqual([])
    expect(fs.existsSync(path.join(store, "journal.sqlite"))).toBe(false)

    // a journal as a run leaves it (made here through the journal layer, in a process of its own)
    const made = spawnSync(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", `
        import { Effect, Layer } from "effect"
        import { sqliteJournalLayer } from "@zaoji/core"
        await Effect.runPromise(Effect.scoped(Layer.build(sqliteJournalLayer(${JSON.stringify(store)}))))
      `],
      { cwd: root, encoding: "utf8" }
    )
    expect(made.status, made.stderr).toBe(0)
    const journaled = recorded(planScript(store))
    expect(journaled.modules.some((m) => SQLITE.test(m))).toBe(true)
    for (const pattern of [...RUN_ONLY, SQL_LAYER]) expect(journaled.modules.filter((m) => pattern.test(m))).toEqual([])
  })
})
