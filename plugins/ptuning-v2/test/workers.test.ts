/**
 * P-Tuning v2 over two data-parallel worker threads trains the prefix like one thread (the
 * `workers: "auto"` default picks threads for heavy runs such as the `small` preset's).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { artifactOf, runStageOnce } from "@zaoji/core"
import { loadTokenizer, prefixNames } from "@zaoji/glm-runtime"
import { buildExamples, initBaseModel } from "@zaoji/fine-tuning/kit"
import { readSafetensors, useBackend } from "@zaoji/tensor"
import { expectAllClose } from "@zaoji/testing"
import { prefixFromModelFolder, PTuningV2 } from "../src/kit.js"

const { train } = PTuningV2

const dirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "zaoji-ptuning-workers-"))
  dirs.push(d)
  return d
}
const organs = ["肝", "胆囊", "胆管", "胰腺"]
const qa = Array.from({ length: 24 }, (_, i) => ({ id: `q${i}`, question: `${organs[i % 4]}病有什么症状？`, answer: `${organs[i % 4]}病常见${["腹痛", "发热", "黄疸"][i % 3]}。` }))

beforeAll(async () => {
  await useBackend("wasm")
})
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe("ptuning-v2.train on worker threads", () => {
  it("two workers move the prefix as one thread does, up to float rounding", async () => {
    const root = tmp()
    initBaseModel(join(root, "base", "model"), qa.map((q) => q.question + q.answer), { preset: "micro", arch: "glm1", seed: 5 })
    mkdirSync(join(root, "data"))
    writeFileSync(join(root, "data", "qa.jsonl"), qa.map((q) => JSON.stringify(q)).join("\n"))
    const base = artifactOf({ model: "model", arch: "glm1" as const, method: "pretrain" as const, training: {} as any }, join(root, "base"))
    const data = artifactOf({ file: "qa.jsonl", kind: "qa" as const, count: qa.length, sensitive: false }, join(root, "data"))
    const config = { preSeqLen: 4, steps: 6, batchSize: 4, checkpointEvery: 0, validationRatio: 0 }
    const prefixOf = async (workers: 1 | 2) => {
      const out = await Effect.runPromise(runStageOnce(train, { ...config, workers }, { base, data, validation: undefined as never }, join(root, `w${workers}`)))
      expect(out.value.training.workers).toBe(workers)
      return { prefix: readSafetensors(join(out.dir, "model", "prefix_encoder.safetensors")).get(prefixNames.embedding)!.data, losses: out.value.training.lossCurve.map((r) => r.loss) }
    }
    const one = await prefixOf(1)
    const two = await prefixOf(2)
    expect(two.losses).toHaveLength(6)
    expectAllClose(two.losses, one.losses, { atol: 1e-5 }, { what: "step losses" })
    expectAllClose(two.prefix, one.prefix, { atol: 1e-5 }, { what: "prefix" })
    // and the prefix did train: it left its start (the base's activations of the training tokens)
    const tokenizer = loadTokenizer(join(root, "base", "model"))
    const { examples } = buildExamples(tokenizer, tokenizer.chatFormat, qa, { maxSourceLength: 64, maxTargetLength: 128 })
    const start = await prefixFromModelFolder(join(root, "base", "model"), examples, config.preSeqLen)
    expect(one.prefix.reduce((m, x, i) => Math.max(m, Math.abs(x - start[i]!)), 0)).toBeGreaterThan(0.05)
  })
})
