/**
 * The training memory estimate and the refusal of a stage that cannot fit: the ChatGLM-6B shapes
 * (the paper's P-Tuning v2 and freeze settings) against the WASM, a described GPU's and lavapipe's
 * budgets (row shards under a binding limit; transposed copies of frozen linears on WASM, none on
 * WebGPU, checked against the tensors `prepareLinears` makes), and a real stage refused before it
 * loads anything.
 */
import { afterAll, describe, expect, it } from "vitest"
import { mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Either } from "effect"
import { artifactOf, runStageOnce } from "@zaoji/core"
import { memoryBudget, useBackend, type BackendInfo } from "@zaoji/tensor"
import { FineTuning } from "@zaoji/fine-tuning"
import * as tf from "@tensorflow/tfjs"
import { decodeGlmConfig, disposePrepared, initWeights, linearWeightNames, prepareLinears, presetConfig } from "../src/index.js"
import { estimateInferenceMemory, estimateTrainingMemory, inferenceMemoryRefusal, trainingMemoryRefusal } from "../src/memory.js"
import { syntheticQa, writeJsonl } from "./trainingData.js"

/** ChatGLM-6B (glm1) as its config.json describes it */
const chatglm6bJson = {
  architectures: ["ChatGLMModel"],
  vocab_size: 130528,
  hidden_size: 4096,
  num_layers: 28,
  num_attention_heads: 32,
  inner_hidden_size: 16384,
  max_sequence_length: 2048,
  layernorm_epsilon: 1e-5,
  bos_token_id: 130004,
  eos_token_id: 130005,
  mask_token_id: 130000,
  gmask_token_id: 130001,
  pad_token_id: 3,
  position_encoding_2d: true,
  pre_seq_len: 128,
  prefix_projection: false
}
const chatglm6b = decodeGlmConfig(chatglm6bJson)

const gpu = (bindingBytes: number, software = false): BackendInfo => ({
  name: "webgpu",
  adapter: {
    vendor: software ? "mesa" : "nvidia",
    architecture: software ? "software" : "hopper",
    device: "",
    description: "",
    software,
    limits: { maxStorageBufferBindingSize: bindingBytes, maxBufferSize: 2 ** 40, maxComputeWorkgroupStorageSize: 32768, maxComputeWorkgroupsPerDimension: 65535 }
  }
})

describe("training memory estimate", () => {
  const prefix = ["transformer.prefix_encoder.embedding.weight"]
  const e = estimateTrainingMemory(chatglm6b, prefix, 8, 256)

  it("ChatGLM-6B P-Tuning v2 (pre_seq_len 128, batch 8 × 256): 6.7 B parameters held, ~27 GB of weights, a 29 M-parameter prefix", () => {
    // 6.2 B with the LM head tied to the embedding, as the release counts; held untied (as the
    // checkpoint stores it) the head adds 130,528 × 4,096
    const layers = 28 * (4096 * 3 * 4096 + 3 * 4096 + 4096 * 4096 + 4096 + 2 * 4096 * 16384 + 16384 + 4096 + 4 * 4096)
    expect(e.parameters).toBe(layers + 2 * 130528 * 4096 + 2 * 4096 + 128 * 2 * 28 * 4096)
    expect(e.weightsBytes / 1e9).toBeGreaterThan(26.5)
    expect(e.weightsBytes / 1e9).toBeLessThan(27.5)
    expect(e.trainableParameters).toBe(128 * 2 * 28 * 4096)
    expect(e.largestTensor).toEqual({ name: "transformer.word_embeddings.weight", bytes: 130528 * 4096 * 4 })
    expect(e.deviceBytes).toBe(e.weightsBytes + e.transposedCopies.bytes + e.gradientBytes + e.activationsBytes + e.logitsBytes)
    // activations grow with the batch, linearly in the tokens and quadratically in the length
    expect(estimateTrainingMemory(chatglm6b, prefix, 16, 256).activationsBytes).toBe(2 * e.activationsBytes)
    expect(estimateTrainingMemory(chatglm6b, prefix, 8, 512).activationsBytes).toBeGreaterThan(2 * e.activationsBytes)
  })

  it("with recompute: one layer's activations and every layer's input instead of 28 layers' activations", () => {
    const whole = estimateTrainingMemory(chatglm6b, prefix, 8, 512)
    const r = estimateTrainingMemory(chatglm6b, prefix, 8, 512, { recompute: true })
    expect(whole.recompute).toBe(false)
    expect(r.recompute).toBe(true)
    const inputs = 28 * 8 * 512 * 4096 * 4
    expect(r.activationsBytes).toBe(inputs + whole.activationsBytes / 28)
    expect(r.deviceBytes).toBe(r.weightsBytes + r.transposedCopies.bytes + r.gradientBytes + r.activationsBytes + r.logitsBytes)
    // the refusal suggests it only while it is off
    const wasm = memoryBudget({ name: "wasm" }, {})
    expect(trainingMemoryRefusal(whole, wasm, "wasm")).toContain("turn on recompute")
    expect(trainingMemoryRefusal(r, wasm, "wasm")).not.toContain("recompute")
  })

  it("is refused on WASM with the figures and what to change", () => {
    const why = trainingMemoryRefusal(e, memoryBudget({ name: "wasm" }, {}), "wasm")
    expect(why).toMatch(/^this training needs about \d+\.\d GiB on wasm \(weights 2\d\.\d GiB, transposed copies of the frozen linears 2\d\.\d GiB, gradients .*, activations .* and logits .* at batch 8 × 256 tokens\), but wasm has 4\.0 GiB \(the WASM backend's 4 GiB address space\); lower batchSize \(now 8\)/)
  })

  it("fits a GPU described as 141 GB, and lavapipe's 128 MiB binding limit through row shards", () => {
    const h200 = memoryBudget(gpu(2 ** 32 - 1), { ZAOJI_DEVICE_MEMORY: "141GB" })
    expect(h200.deviceBytes).toBe(141 * 2 ** 30)
    expect(trainingMemoryRefusal(e, { ...h200, hostBytes: 2 ** 40 }, "webgpu")).toBeUndefined()
    // an undescribed GPU: nothing to compare with, so no refusal on the device figure
    expect(memoryBudget(gpu(2 ** 32 - 1), {}).deviceBytes).toBeUndefined()
    // at 128 MiB: the embedding and the head (16 shards of 8,192 rows each), and per layer QKV,
    // h_to_4h and 4h_to_h (2 shards each) are held as row shards; the prefix table (117 MB) stays whole
    const sharded = estimateTrainingMemory(chatglm6b, prefix, 8, 256, { backend: "webgpu", maxBindingBytes: 2 ** 27 })
    expect(sharded.rowShards).toEqual({ maxBindingBytes: 2 ** 27, tensors: 2 + 28 * 3, shards: 2 * 16 + 28 * 3 * 2 })
    expect(sharded.largestWhole).toEqual({ name: "transformer.prefix_encoder.embedding.weight", bytes: 128 * 2 * 28 * 4096 * 4 })
    // sharding moves no byte: the device figure is the unsharded one (WebGPU keeps no transposed copies)
    expect(sharded.deviceBytes).toBe(estimateTrainingMemory(chatglm6b, prefix, 8, 256, { backend: "webgpu" }).deviceBytes)
    const lavapipe = { ...memoryBudget(gpu(2 ** 27, true), {}), hostBytes: 2 ** 40, deviceBytes: 2 ** 40 }
    expect(trainingMemoryRefusal(sharded, lavapipe, "webgpu")).toBeUndefined()
    // what cannot be split is refused: a projected prefix encoder's 229,376 × 4,096 output matrix
    const projected = decodeGlmConfig({ ...chatglm6bJson, prefix_projection: true })
    const p = estimateTrainingMemory(projected, prefix, 8, 256, { backend: "webgpu", maxBindingBytes: 2 ** 27 })
    expect(trainingMemoryRefusal(p, lavapipe, "webgpu")).toMatch(
      /^webgpu cannot hold transformer\.prefix_encoder\.trans\.2\.weight \(3\.5 GiB\) as one tensor: this adapter binds at most 128\.0 MiB per tensor, and the training program splits only matrices of the model into row shards, not the prefix encoder; lower preSeqLen/
    )
  })

  it("WebGPU keeps no transposed copies of the frozen linears: 24.7 GB less for ChatGLM-6B P-Tuning v2", () => {
    const wasm = estimateTrainingMemory(chatglm6b, prefix, 8, 256, { backend: "wasm" })
    const webgpu = estimateTrainingMemory(chatglm6b, prefix, 8, 256, { backend: "webgpu" })
    // every linear is frozen in P-Tuning v2: the 28 layers' four matrices and the LM head
    const linears = 28 * (12288 * 4096 + 4096 * 4096 + 2 * 16384 * 4096) + 130528 * 4096
    expect(wasm.transposedCopies).toEqual({ kept: true, bytes: linears * 4 })
    expect(webgpu.transposedCopies).toEqual({ kept: false, bytes: linears * 4 })
    expect(wasm.deviceBytes - webgpu.deviceBytes).toBe(linears * 4)
    // freeze tuning of the last 5 layers: their matrices are trainable, so they have no copy
    const freeze = Array.from({ length: 5 }, (_, i) => `transformer.layers.${23 + i}.`).flatMap((p) =>
      ["attention.query_key_value.weight", "attention.dense.weight", "mlp.dense_h_to_4h.weight", "mlp.dense_4h_to_h.weight"].map((n) => p + n)
    )
    expect(estimateTrainingMemory(chatglm6b, freeze, 8, 256, { backend: "wasm" }).transposedCopies.bytes).toBe((linears - 5 * (12288 * 4096 + 4096 * 4096 + 2 * 16384 * 4096)) * 4)
    // evaluation: every linear is prepared where copies are kept
    expect(estimateInferenceMemory(chatglm6b, 1, 16, { backend: "wasm" }).transposedCopies).toEqual({ kept: true, bytes: linears * 4 })
    expect(estimateInferenceMemory(chatglm6b, 1, 16, { backend: "webgpu" }).transposedCopies.kept).toBe(false)
  })

  it("the count of prepared tensors and their bytes match the estimate (tiny model, with and without copies)", async () => {
    await useBackend("wasm")
    for (const arch of ["glm1", "glm2"] as const) {
      const cfg = presetConfig("tiny", { arch })
      const weights = initWeights(cfg, { seed: 1 })
      const before = tf.memory()
      const kept = prepareLinears(cfg, weights, { transposedCopies: true })
      const mid = tf.memory()
      const none = prepareLinears(cfg, weights, { transposedCopies: false })
      const after = tf.memory()
      // every linear once, and the rotation matrix with its transpose
      expect(kept.size).toBe(linearWeightNames(cfg).length + 2)
      expect(mid.numTensors - before.numTensors).toBe(linearWeightNames(cfg).length + 2)
      expect(none.size).toBe(2)
      expect(after.numTensors - mid.numTensors).toBe(2)
      const rotation = after.numBytes - mid.numBytes
      expect(mid.numBytes - before.numBytes - rotation).toBe(estimateTrainingMemory(cfg, [], 1, 8, { backend: "wasm" }).transposedCopies.bytes)
      disposePrepared(kept)
      disposePrepared(none)
      tf.dispose(Object.values(weights))
    }
  })

  it("evaluation of ChatGLM-6B at batch 8 × its 2,048-token context: fits a 141 GB GPU, not WASM", () => {
    const ev = estimateInferenceMemory(chatglm6b, 8, 2048)
    // keys and values: 2 × 28 layers × 16,384 tokens × 4,096 floats
    expect(ev.kvCacheBytes).toBe(2 * 28 * 8 * 2048 * 4096 * 4)
    expect(ev.deviceBytes).toBe(ev.weightsBytes + ev.transposedCopies.bytes + ev.kvCacheBytes + ev.activationsBytes + ev.logitsBytes)
    const h200 = { ...memoryBudget(gpu(2 ** 32 - 1), { ZAOJI_DEVICE_MEMORY: "141GB" }), hostBytes: 2 ** 40 }
    expect(inferenceMemoryRefusal(ev, h200, "webgpu")).toBeUndefined()
    // lavapipe's 128 MiB binding limit is no reason to refuse: the loaded model holds row shards
    expect(inferenceMemoryRefusal(ev, { ...memoryBudget(gpu(2 ** 27, true), {}), hostBytes: 2 ** 40, deviceBytes: 2 ** 40 }, "webgpu")).toBeUndefined()
    expect(inferenceMemoryRefusal(ev, memoryBudget({ name: "wasm" }, {}), "wasm")).toMatch(/^this evaluation needs at least \d+\.\d GiB on wasm \(weights .* and a key\/value cache of .* at batch 8 × 2048 tokens\).* lower batchSize \(now 8\)/)
  })

  it("a bad ZAOJI_DEVICE_MEMORY is a clear error", () => {
    expect(() => memoryBudget({ name: "cpu" }, { ZAOJI_DEVICE_MEMORY: "lots" })).toThrow(/ZAOJI_DEVICE_MEMORY: "lots" is not a size; expected bytes, or with KB, MB, GB, TB/)
  })

  it("the micro preset fits WASM", () => {
    const micro = presetConfig("micro", { arch: "glm2" })
    expect(trainingMemoryRefusal(estimateTrainingMemory(micro, [], 8, 64), memoryBudget({ name: "wasm" }, {}), "wasm")).toBeUndefined()
  })
})

describe("a training stage that cannot fit", () => {
  const dir = mkdtempSync(join(tmpdir(), "zaoji-memory-"))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it("is refused at once, naming the stage, the estimate and what to change", async () => {
    await useBackend("wasm")
    const data = join(dir, "data")
    mkdirSync(data)
    const file = writeJsonl(data, "qa.jsonl", syntheticQa(8))
    const saved = process.env.ZAOJI_DEVICE_MEMORY
    process.env.ZAOJI_DEVICE_MEMORY = "64KB"
    const started = Date.now()
    try {
      const r = await Effect.runPromise(
        Effect.either(runStageOnce(FineTuning.pretrain, { preset: "micro", steps: 50, batchSize: 4, blockLength: 16, workers: 1 }, { corpus: artifactOf({ file }, data) }, join(dir, "stage"), { stageId: "base" }))
      )
      expect(Either.isLeft(r)).toBe(true)
      const message = Either.isLeft(r) ? String((r.left as { message?: string }).message) : ""
      expect(message).toMatch(/^base: this training needs about .* on wasm \(weights .* at batch 4 × \d+ tokens\), but wasm has 64 KiB \(ZAOJI_DEVICE_MEMORY\); lower batchSize \(now 4\)/)
    } finally {
      if (saved === undefined) delete process.env.ZAOJI_DEVICE_MEMORY
      else process.env.ZAOJI_DEVICE_MEMORY = saved
    }
    // refused before any step: far quicker than 50 steps
    expect(Date.now() - started).toBeLessThan(20_000)
  })
})
