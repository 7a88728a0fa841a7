import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { Workflow, runWorkflow } from "@zaoji/core"
import { KnowledgeGraph } from "@zaoji/knowledge-graph"
import { repoRoot } from "@zaoji/testing"
import { Datasets } from "@zaoji/datasets"
import { Records } from "../src/kit.js"

// the data half of the hepatobiliary workflow, on the shipped sample data, through the real engine
const dataWorkflow = Workflow.make("data-only", (w) => {
  const kg = w.stage("kg", KnowledgeGraph.load, { source: "data/kg.jsonl", select: { keywords: ["胆", "胰", "肝"] } })
  const kgQa = w.stage("kg-qa", KnowledgeGraph.generateQa, { generator: "template", phrasings: 2 }, { kg })
  const general = w.stage("general", Datasets.load, { source: "data/general_qa.jsonl", label: "general" })
  const records = w.stage("records", Records.process, { source: "data/records.jsonl" })
  const stage1 = w.stage("stage1-data", Datasets.merge, { shuffleSeed: 1 }, { a: kgQa, b: general })
  const split = w.stage("split", Datasets.split, { seed: 7, stratifyBy: "department" }, { data: records })
  w.stage("export", Datasets.export, { format: "alpaca", name: "hb_stage1" }, { data: stage1 })
  void split
})

describe("data stages in a workflow", () => {
  it("run through the engine, then come entirely from the cache", async () => {
    const storeDir = mkdtempSync(join(tmpdir(), "zaoji-wf-"))
    const baseDir = join(repoRoot, "workflows")
    const first = await Effect.runPromise(runWorkflow({ workflow: dataWorkflow, baseDir, storeDir }))
    expect(first.stages.map((s) => [s.stage, s.status]).sort()).toEqual(
      ["export", "general", "kg", "kg-qa", "records", "split", "stage1-data"].map((s) => [s, "done"])
    )
    const exp = first.stages.find((s) => s.stage === "export")!
    const info = JSON.parse(readFileSync(join(exp.dir, "dataset_info.json"), "utf8"))
    expect(info.hb_stage1.file_name).toBe("hb_stage1.json")
    const again = await Effect.runPromise(runWorkflow({ workflow: dataWorkflow, baseDir, storeDir }))
    expect(again.stages.every((s) => s.status === "cached")).toBe(true)
  })
})
