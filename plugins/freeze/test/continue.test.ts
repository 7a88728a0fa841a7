/**
 * `continueFrom` through the engine: a freeze stage continuing another for 2 more epochs ends with
 * exactly the weights of a 4-epoch stage (bitwise: one worker thread, same data and seed, constant
 * schedule after warm-up — the same operations on the same values in the same order), its manifest
 * records the continued artifact among its inputs, and a store key works like a stage id. Wrong
 * references are refused when the workflow is planned, before anything runs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Either, Schema } from "effect"
import { planWorkflow, runWorkflow, Stage, Workflow, type Manifest, type WorkflowInvalid } from "@zaoji/core"
import { DatasetFile } from "@zaoji/data"
import { ModelArtifact } from "@zaoji/glm-runtime"
import { initBaseModel, TRAINING_STATE_DIR } from "@zaoji/fine-tuning/kit"
import { organQa } from "@zaoji/fine-tuning/testing"
import { readSafetensors, useBackend } from "@zaoji/tensor"
import { expectBitwiseEqual } from "@zaoji/testing"
import { Freeze } from "../src/index.js"

const dirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "zaoji-freeze-continue-"))
  dirs.push(d)
  return d
}

/** a micro base model, seeded (two seeds: two different bases) */
const baseStage = Stage.make({
  name: "test.base",
  version: "1",
  config: Schema.Struct({ seed: Schema.Int }),
  output: ModelArtifact,
  inputs: Stage.inputs(),
  run: ({ config, ctx }) =>
    Effect.sync(() => {
      const { config: cfg } = initBaseModel(join(ctx.outDir, "model"), organQa.map((q) => q.question + q.answer), { preset: "micro", arch: "glm1", seed: config.seed })
      return { model: "model", arch: cfg.zaoji_arch, method: "pretrain" as const, training: emptyTraining }
    })
})

const emptyTraining = {
  steps: 0, epochs: 0, trainExamples: 0, validationExamples: 0, trainableParams: 0, finalTrainLoss: null, finalEvalLoss: null,
  bestEvalLoss: null, stoppedEarly: false, resumedFromStep: null, workers: 0, tokensPerSecond: 0, peakRssBytes: 0,
  sourceTruncated: 0, targetTruncated: 0, lossCurve: [], evalCurve: []
}

const qaStage = Stage.make({
  name: "test.qa",
  version: "1",
  config: Schema.Struct({}),
  output: DatasetFile,
  inputs: Stage.inputs(),
  run: ({ ctx }) =>
    Effect.sync(() => {
      writeFileSync(join(ctx.outDir, "qa.jsonl"), organQa.map((q) => JSON.stringify(q)).join("\n"))
      return { file: "qa.jsonl", kind: "qa" as const, count: organQa.length, sensitive: false }
    })
})

// 19 training pairs after the hold-out, batches of 4: 5 steps per epoch, the last of 3
const common = { trainableLayers: 1, batchSize: 4, learningRate: 3e-3, schedule: "constant", warmupSteps: 2, workers: 1, checkpointEvery: 0, validationRatio: 0.2 } as const

const workflow = (extra: (w: Workflow.WorkflowBuilder, h: { base: Workflow.Handle<ModelArtifact>; data: Workflow.Handle<DatasetFile> }) => void) =>
  Workflow.make("continue", (w) => {
    const base = w.stage("base", baseStage, { seed: 9 })
    const data = w.stage("data", qaStage, {})
    w.stage("two", Freeze.train, { ...common, epochs: 2 }, { model: base, data })
    extra(w, { base, data })
  })

const delta = (store: string, key: string) => readSafetensors(join(store, "artifacts", key, "model", "delta.safetensors"))
const manifest = (store: string, key: string) => JSON.parse(readFileSync(join(store, "artifacts", key, "manifest.json"), "utf8")) as Manifest

const planIssues = async (wf: Workflow.Workflow, storeDir: string, set: ReadonlyArray<string> = []) => {
  const r = await Effect.runPromise(Effect.either(planWorkflow({ workflow: wf, baseDir: storeDir, storeDir, set })))
  if (Either.isRight(r)) throw new Error("expected the plan to be refused")
  return (r.left as WorkflowInvalid).issues
}

beforeAll(async () => {
  await useBackend("wasm")
})

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe("freeze.train continueFrom", () => {
  it("2 epochs + 2 more equal 4 epochs bitwise; the lineage and the key record the continued artifact; a store key works too", async () => {
    const root = tmp()
    const store = join(root, ".zaoji")
    const wf = workflow((w, { base, data }) => {
      w.stage("more", Freeze.train, { ...common, epochs: 2, continueFrom: "two" }, { model: base, data })
      w.stage("four", Freeze.train, { ...common, epochs: 4 }, { model: base, data })
    })
    const summary = await Effect.runPromise(runWorkflow({ workflow: wf, baseDir: root, storeDir: store }))
    const key = (id: string) => summary.stages.find((s) => s.stage === id)!.key
    const more = delta(store, key("more"))
    const four = delta(store, key("four"))
    expect([...more.keys()].sort()).toEqual([...four.keys()].sort())
    for (const [name, t] of four) expectBitwiseEqual(more.get(name)!.data, t.data, name)
    const m = manifest(store, key("more"))
    expect(m.inputs.continueFrom).toEqual({ stage: "two", key: key("two") })
    expect((m.output as ModelArtifact).training.steps).toBe(20)
    expect(existsSync(join(store, "artifacts", key("more"), TRAINING_STATE_DIR, "meta.json"))).toBe(true)

    // the same continuation named by the store key, from the command line
    const wf2 = workflow((w, { base, data }) => void w.stage("again", Freeze.train, { ...common, epochs: 2 }, { model: base, data }))
    const summary2 = await Effect.runPromise(runWorkflow({ workflow: wf2, baseDir: root, storeDir: store, set: [`again.continueFrom=${key("two")}`] }))
    const again = summary2.stages.find((s) => s.stage === "again")!
    for (const [name, t] of four) expectBitwiseEqual(delta(store, again.key).get(name)!.data, t.data, name)
    expect(manifest(store, again.key).inputs.continueFrom).toEqual({ stage: "two", key: key("two") })
  })

  it("refuses at plan time: another stage type, another base model, no saved state, an unknown name, the stage itself", async () => {
    const root = tmp()
    const store = join(root, ".zaoji")
    await Effect.runPromise(runWorkflow({ workflow: workflow(() => {}), baseDir: root, storeDir: store }))
    const issues = await planIssues(
      workflow((w, { base, data }) => {
        const other = w.stage("other-base", baseStage, { seed: 5 })
        w.stage("typed", Freeze.train, { ...common, continueFrom: "base" }, { model: base, data })
        w.stage("rebased", Freeze.train, { ...common, continueFrom: "two" }, { model: other, data })
        w.stage("unknown", Freeze.train, { ...common, continueFrom: "nope" }, { model: base, data })
        w.stage("self", Freeze.train, { ...common, continueFrom: "self" }, { model: base, data })
      }),
      store
    )
    const says = (stage: string) => issues.filter((i) => i.stage === stage).map((i) => `${i.field}: ${i.message}`).join("\n")
    expect(says("typed")).toMatch(/^continueFrom: stage "base" is a test.base stage; expected a freeze.train stage/)
    expect(says("rebased")).toMatch(/^continueFrom: stage "two" was built from input model = base, this stage from other-base; expected the same/)
    expect(says("unknown")).toMatch(/^continueFrom: "nope" is neither a stage id of this workflow \(stages: .*\) nor a store key/)
    expect(says("self")).toMatch(/^continueFrom: names this stage itself; .*zaoji inspect self/)

    // a store key: an artifact of another type, one without a saved state, one not in the store
    const run1 = await Effect.runPromise(runWorkflow({ workflow: workflow(() => {}), baseDir: root, storeDir: store }))
    const key = (id: string) => run1.stages.find((s) => s.stage === id)!.key
    rmSync(join(store, "artifacts", key("two"), TRAINING_STATE_DIR), { recursive: true })
    const byKey = workflow((w, { base, data }) => void w.stage("next", Freeze.train, { ...common }, { model: base, data }))
    const stateless = await planIssues(byKey, store, [`next.continueFrom=${key("two")}`])
    expect(stateless.map((i) => `${i.field}: ${i.message}`).join("\n")).toMatch(/^continueFrom: artifact [0-9a-f]{32} has no training-state\/meta.json: it holds no saved training state/)
    const wrongType = await planIssues(byKey, store, [`next.continueFrom=${key("base")}`])
    expect(wrongType.map((i) => i.message).join("\n")).toMatch(/is a test.base artifact; expected a freeze.train artifact/)
    const missing = await planIssues(byKey, store, [`next.continueFrom=${"0".repeat(32)}`])
    expect(missing.map((i) => i.message).join("\n")).toMatch(/no finished artifact 0{32} in the store/)
  })
})
