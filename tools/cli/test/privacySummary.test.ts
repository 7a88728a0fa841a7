/** `zaoji run` prints one privacy line after a records stage, from the stage's own output (counts by kind only). */
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { Workflow, runWorkflow } from "@zaoji/core"
import { Records } from "@zaoji/records"
import { repoRoot } from "@zaoji/testing"
import { reportLines } from "../src/reportSummary.js"

const wf = Workflow.make("records-only", (w) => {
  w.stage("records", Records.process, { source: "data/records.jsonl" })
})

describe("run summary: privacy line", () => {
  it("says how many identifiers were masked by kind, the residual hits and the privacy rejections", async () => {
    const summary = await Effect.runPromise(runWorkflow({ workflow: wf, baseDir: join(repoRoot, "workflows"), storeDir: mkdtempSync(join(tmpdir(), "zaoji-priv-")) }))
    const lines = reportLines(summary).filter((l) => l.startsWith("privacy"))
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^privacy \(records\): \d+ identifiers masked \((?:[a-z_]+ \d+(?:, )?)+\); residual scan \d+ hits.*, \d+ records rejected for privacy \(strictness reject\)$/)
    expect(lines[0]).toMatch(/name \d+/)
  })
})
