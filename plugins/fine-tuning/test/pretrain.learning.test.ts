/**
 * glm.pretrain reports whether its loss fell (the learning verdict in its output and manifest
 * metrics): a normal tiny run learns; a vanishing learning rate does not.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { artifactOf, runStageOnce } from "@zaoji/core"
import { useBackend } from "@zaoji/tensor"
import { FineTuning } from "../src/index.js"

const dirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "zaoji-pretrain-learning-"))
  dirs.push(d)
  return d
}

const text = Array.from({ length: 40 }, (_, i) => `肝胆外科第${i % 7}例：右上腹痛，发热，黄疸，行胆囊切除术。`)

const corpusArtifact = () => {
  const dir = tmp()
  mkdirSync(join(dir, "c"))
  writeFileSync(join(dir, "c", "corpus.jsonl"), text.map((t, i) => JSON.stringify({ id: `d${i}`, text: t })).join("\n"))
  return { root: dir, corpus: artifactOf({ file: "corpus.jsonl", kind: "text" as const, count: text.length, sensitive: false }, join(dir, "c")) }
}

const settings = { preset: "micro" as const, steps: 30, warmupSteps: 0, batchSize: 8, blockLength: 32, workers: 1 as const, checkpointEvery: 0, validationRatio: 0 }

beforeAll(async () => {
  await useBackend("wasm")
})
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe("glm.pretrain learning verdict", () => {
  it("a normal tiny run is learning, in the output and the manifest metrics", async () => {
    const { root, corpus } = corpusArtifact()
    const out = await Effect.runPromise(runStageOnce(FineTuning.pretrain, settings, { corpus }, join(root, "stage")))
    expect(out.value.training.lossCurve).toHaveLength(30)
    expect(out.value.learning?.verdict, out.value.learning?.note).toBe("learning")
    expect(out.value.learning?.window).toBe(3)
    expect(out.value.learning!.lastWindowLoss).toBeLessThan(out.value.learning!.firstWindowLoss)
    expect(out.ctx.metrics.learning).toEqual(out.value.learning)
    expect(out.ctx.logs.some((l) => l.level === "warn")).toBe(false)
  })

  it("a vanishing learning rate is not learning, and the stage warns", async () => {
    const { root, corpus } = corpusArtifact()
    const out = await Effect.runPromise(runStageOnce(FineTuning.pretrain, { ...settings, learningRate: 1e-12 }, { corpus }, join(root, "stage")))
    expect(out.value.learning?.verdict).toBe("not-learning")
    expect(out.ctx.metrics.learning).toEqual(out.value.learning)
    expect(out.ctx.logs.some((l) => l.level === "warn" && l.message.startsWith("not learning"))).toBe(true)
  })
})
