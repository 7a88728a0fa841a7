/**
 * A whole training stage on the WebGPU backend: P-Tuning v2 of a micro model through the engine's
 * stage runner. The manifest metrics record the backend and the adapter with its limits, and the
 * run leaves no tensor behind.
 */
import { afterAll, describe, expect, it } from "vitest"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as tf from "@tensorflow/tfjs"
import { Effect } from "effect"
import { artifactOf, runStageOnce } from "@zaoji/core"
import { initBaseModel } from "@zaoji/fine-tuning/kit"
import { readSafetensors, useBackend, webGpuUnavailable, type BackendInfo } from "@zaoji/tensor"
import { PTuningV2 } from "../src/index.js"

const { train } = PTuningV2

const unavailable = await webGpuUnavailable()
const root = mkdtempSync(join(tmpdir(), "zaoji-ptuning-webgpu-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe.skipIf(unavailable !== undefined)(`ptuning-v2.train on webgpu${unavailable !== undefined ? ` (skipped: ${unavailable})` : ""}`, () => {
  it("trains the prefix on webgpu and records the backend and adapter in the manifest metrics", async () => {
    await useBackend("webgpu")
    const qa = Array.from({ length: 8 }, (_, i) => ({ id: `q${i}`, question: `胆囊病${i}有什么症状？`, answer: `常见腹痛${i}。` }))
    initBaseModel(join(root, "base", "model"), qa.map((q) => q.question + q.answer), { preset: "micro", arch: "glm2", seed: 3 })
    mkdirSync(join(root, "data"))
    writeFileSync(join(root, "data", "qa.jsonl"), qa.map((q) => JSON.stringify(q)).join("\n"))
    const base = artifactOf({ model: "model", arch: "glm2" as const, method: "pretrain" as const, training: {} as any }, join(root, "base"))
    const data = artifactOf({ file: "qa.jsonl", kind: "qa" as const, count: qa.length, sensitive: false }, join(root, "data"))
    const before = tf.memory().numTensors
    const out = await Effect.runPromise(
      runStageOnce(train, { preSeqLen: 4, steps: 3, batchSize: 4, workers: 1, checkpointEvery: 0, validationRatio: 0.25 }, { base, data, validation: undefined as never }, join(root, "stage"))
    )
    expect(tf.getBackend()).toBe("webgpu")
    expect(tf.memory().numTensors).toBe(before)
    const backend = out.ctx.metrics.backend as BackendInfo
    expect(backend.name).toBe("webgpu")
    expect(backend.adapter!.limits.maxStorageBufferBindingSize).toBeGreaterThan(0)
    expect(typeof backend.adapter!.vendor).toBe("string")
    expect(Number.isFinite(out.ctx.metrics.final_train_loss as number)).toBe(true)
    const prefix = readSafetensors(join(out.dir, out.value.model, "prefix_encoder.safetensors"))
    const w = prefix.get("transformer.prefix_encoder.embedding.weight")!
    expect(w.data.every(Number.isFinite)).toBe(true)
    expect(w.data.some((x) => x !== 0)).toBe(true)
  })
})
