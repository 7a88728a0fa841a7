/** `zaoji run` prints a warning line for a training stage whose loss did not fall, and none for one that learned. */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { Workflow, runWorkflow } from "@zaoji/core"
import { FineTuning } from "@zaoji/fine-tuning"

const { pretrain } = FineTuning
import { Datasets } from "@zaoji/datasets"
import { repoRoot } from "@zaoji/testing"
import { learningWarnings } from "../src/learningWarnings.js"

const settings = { preset: "micro" as const, steps: 30, warmupSteps: 0, batchSize: 8, blockLength: 32, workers: 1 as const, checkpointEvery: 0, validationRatio: 0 }

const wf = Workflow.make("learning-warnings", (w) => {
  const corpus = w.stage("corpus", Datasets.corpus, { source: "data/corpus.txt", split: "line" })
  w.stage("learns", pretrain, settings, { corpus })
  w.stage("flat", pretrain, { ...settings, learningRate: 1e-12 }, { corpus })
})

const store = mkdtempSync(join(tmpdir(), "zaoji-learning-"))
afterAll(() => rmSync(store, { recursive: true, force: true }))

describe("run summary: learning warnings", () => {
  it("names each stage that did not learn, with the verdict's note", async () => {
    const summary = await Effect.runPromise(runWorkflow({ workflow: wf, baseDir: join(repoRoot, "workflows"), storeDir: store }))
    const lines = learningWarnings(summary)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^warning: stage flat did not learn: the loss did not fall beyond noise: /)
  })
})
