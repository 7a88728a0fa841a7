/**
 * P-Tuning v2 on a *trained* base must learn. A base trained from scratch attends sharply: its
 * attention logits between real tokens reach tens (measured 10–77 on the `small` preset after 150
 * steps on medical text), while a key drawn from the official N(0, 1) prefix initialisation gives a
 * logit of about ±|q|/√hd ≈ ±1. Such a prefix gets a vanishing share of every softmax, so its
 * gradient vanishes as well, the prefix stays at its initialisation and the tuned model computes
 * what the base computes. Here a micro base is pretrained on a little text and its queries and keys
 * are lengthened 16× (attention logits ×256) to put it in that regime at test cost (a micro base
 * pretrained this briefly still attends with logits of only 3–5). P-Tuning with the default
 * settings (lr 2e-2, no projection, prefix initialised from the base's activations) must lower
 * the loss and move the prefix; the official N(0, 1) start demonstrably does neither.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { artifactOf, runStageOnce, type Artifact } from "@zaoji/core"
import { decodeGlmConfig, dimsOf, loadTokenizer, prefixNames, type ModelArtifact } from "@zaoji/glm-runtime"
import { buildExamples, createGlmProgram, FineTuning } from "@zaoji/fine-tuning/kit"
import { readSafetensors, useBackend, writeSafetensors } from "@zaoji/tensor"
import { prefixFromModelFolder, PTuningV2 } from "../src/kit.js"

const { train } = PTuningV2
const { pretrain } = FineTuning

const dirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "zaoji-ptuning-trained-"))
  dirs.push(d)
  return d
}

const organs = ["肝", "胆囊", "胆管", "胰腺", "脾", "胃"]
const symptoms = ["腹痛", "发热", "黄疸", "恶心", "乏力", "腹胀"]
// the pretraining text states the facts; the QA pairs ask for them in a layout the base never saw
const corpusText = Array.from({ length: 60 }, (_, i) => `${organs[i % 6]}病常见${symptoms[i % 6]}，${organs[(i + 1) % 6]}病也常见${symptoms[(i + 1) % 6]}。`)
const qa = Array.from({ length: 48 }, (_, i) => ({ id: `q${i}`, question: `${organs[i % 6]}病有什么症状？`, answer: `答：${symptoms[i % 6]}。` }))

const QK_SCALE = 16

/** glm1 fused QKV rows are per head [q_h | k_h | v_h]: lengthen q and k (weights and biases) by `s` */
const sharpenAttention = (modelFile: string, config: Record<string, unknown>, s: number) => {
  const d = dimsOf(decodeGlmConfig(config))
  const tensors = readSafetensors(modelFile)
  for (let l = 0; l < d.layers; l++) {
    for (const part of ["weight", "bias"] as const) {
      const t = tensors.get(`transformer.layers.${l}.attention.query_key_value.${part}`)!
      const cols = part === "weight" ? d.hidden : 1
      for (let h = 0; h < d.heads; h++) {
        const first = h * 3 * d.headDim
        for (let r = first; r < first + 2 * d.headDim; r++) for (let c = 0; c < cols; c++) t.data[r * cols + c]! *= s
      }
    }
  }
  writeSafetensors(modelFile, tensors)
}

let base: Artifact<ModelArtifact>
let data: Artifact<{ file: string; kind: "qa"; count: number; sensitive: boolean }>

beforeAll(async () => {
  await useBackend("wasm")
  const root = tmp()
  mkdirSync(join(root, "corpus"))
  writeFileSync(join(root, "corpus", "corpus.jsonl"), corpusText.map((text, i) => JSON.stringify({ id: `t${i}`, text })).join("\n"))
  const corpus = artifactOf({ file: "corpus.jsonl", kind: "text" as const, count: corpusText.length, sensitive: false }, join(root, "corpus"))
  base = await Effect.runPromise(
    runStageOnce(
      pretrain,
      { preset: "micro", steps: 150, learningRate: 5e-3, batchSize: 16, blockLength: 32, workers: 1, checkpointEvery: 0, validationRatio: 0 },
      { corpus },
      join(root, "base")
    )
  )
  expect(base.value.learning?.verdict).toBe("learning")
  const modelDir = join(base.dir, base.value.model)
  const config = JSON.parse(readFileSync(join(modelDir, "config.json"), "utf8"))
  sharpenAttention(join(modelDir, "model.safetensors"), config, QK_SCALE)
  mkdirSync(join(root, "data"))
  writeFileSync(join(root, "data", "qa.jsonl"), qa.map((q) => JSON.stringify(q)).join("\n"))
  data = artifactOf({ file: "qa.jsonl", kind: "qa" as const, count: qa.length, sensitive: false }, join(root, "data"))
})

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const settings = { preSeqLen: 4, steps: 40, batchSize: 8, workers: 1 as const, checkpointEvery: 0, validationRatio: 0 }

/** the prefix a stage run wrote, and the two starts: the N(0, 1) draw and the base's activations */
const prefixes = async (out: Artifact<ModelArtifact>) => {
  const saved = readSafetensors(join(out.dir, out.value.model, "prefix_encoder.safetensors")).get(prefixNames.embedding)!.data
  const modelDir = join(base.dir, base.value.model)
  const config = { ...JSON.parse(readFileSync(join(modelDir, "config.json"), "utf8")), pre_seq_len: settings.preSeqLen, prefix_projection: false }
  const program = await createGlmProgram({ modelDir, config, initSeed: 42, trainable: [prefixNames.embedding] })
  const normal = (await program.initial())[prefixNames.embedding]!
  program.dispose()
  // the stage's training examples (no hold-out: validationRatio 0), in order
  const tokenizer = loadTokenizer(modelDir)
  const { examples } = buildExamples(tokenizer, tokenizer.chatFormat, qa, { maxSourceLength: 64, maxTargetLength: 128 })
  const activations = await prefixFromModelFolder(modelDir, examples, settings.preSeqLen)
  return { saved, normal, activations }
}

const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0)

describe("P-Tuning v2 on a trained base with sharp attention", () => {
  it("learns with the default settings: the loss falls and the prefix moves", async () => {
    const out = await Effect.runPromise(runStageOnce(train, settings, { base, data, validation: undefined as never }, join(tmp(), "stage")))
    const t = out.value.training
    expect(t.lossCurve).toHaveLength(settings.steps)
    expect(out.value.learning?.verdict, out.value.learning?.note).toBe("learning")
    expect(out.ctx.metrics.learning).toEqual(out.value.learning)
    expect(out.value.learning!.lastWindowLoss).toBeLessThan(out.value.learning!.firstWindowLoss)
    const { saved, activations } = await prefixes(out)
    // moved well away from its start, the base's own keys and values
    expect(maxAbsDiff(saved, activations)).toBeGreaterThan(0.1)
  })

  it("the official N(0, 1) start gets no usable gradient there: flat loss, prefix left at its init", async () => {
    const out = await Effect.runPromise(
      runStageOnce(train, { ...settings, prefixInit: "normal" as const }, { base, data, validation: undefined as never }, join(tmp(), "stage"))
    )
    expect(out.value.learning?.verdict).toBe("not-learning")
    const { saved, normal } = await prefixes(out)
    expect(maxAbsDiff(saved, normal)).toBeLessThan(0.1)
  })
})
