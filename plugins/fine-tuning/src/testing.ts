/**
 * Test fixtures for the tuning stages (`@zaoji/fine-tuning/testing`): a micro base model folder
 * (2 layers) trained-tokenizer and seeded weights, optionally a stage-1 P-Tuning v2 prefix adapter
 * on it, and a QA dataset artifact — the set-up every tuning plugin's stage tests start from.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { artifactOf, type Artifact } from "@zaoji/core"
import type { DatasetFile } from "@zaoji/data"
import { relative } from "node:path"
import { decodeGlmConfig, loraWeightShapes, prefixWeightShapes, writeLoraAdapter, type GlmConfig, type LoraSettings, type ModelArtifact } from "@zaoji/glm-runtime"
import { Rng } from "@zaoji/training"
import { writeAdapterModel } from "./adapters.js"
import { initTensor } from "./init.js"
import { initBaseModel } from "./pretrain/baseModel.js"

const organs = ["肝", "胆囊", "胆管", "胰腺"]

/** 24 short QA pairs about four organs (generated, not real data) */
export const organQa: ReadonlyArray<{ id: string; question: string; answer: string }> = Array.from({ length: 24 }, (_, i) => ({
  id: `q${i}`,
  question: `${organs[i % 4]}病怎么治疗？`,
  answer: `${organs[i % 4]}病可${["手术", "用药", "观察"][i % 3]}。`
}))

/** a model artifact whose training summary the stages do not read */
export const modelArtifact = (arch: "glm1" | "glm2", method: ModelArtifact["method"], dir: string): Artifact<ModelArtifact> =>
  artifactOf({ model: "model", arch, method, training: {} as ModelArtifact["training"] }, dir)

export interface TuningFixture {
  readonly root: string
  /** the model to tune: the base, or base + a stage-1 prefix (pre_seq_len 4) */
  readonly model: Artifact<ModelArtifact>
  readonly data: Artifact<DatasetFile>
  /** the base's config */
  readonly config: GlmConfig
  readonly baseModelDir: string
}

/** A micro base (seed 9) in `root`, with a prefix adapter when `withPrefix`, and `organQa` as data. */
export const tuningFixture = (root: string, arch: "glm1" | "glm2", withPrefix: boolean): TuningFixture => {
  const baseArt = join(root, "base")
  const { config } = initBaseModel(join(baseArt, "model"), organQa.map((q) => q.question + q.answer), { preset: "micro", arch, seed: 9 })
  let model = modelArtifact(arch, "pretrain", baseArt)
  if (withPrefix) {
    const pcfg = decodeGlmConfig({ ...config, pre_seq_len: 4, prefix_projection: false })
    const shapes = prefixWeightShapes(pcfg)
    const tensors = new Map(Object.entries(shapes).map(([n, s]) => [n, { shape: s, data: initTensor(pcfg, n, s, 3) }]))
    const stage1 = join(root, "stage1")
    writeAdapterModel(join(stage1, "model"), join(baseArt, "model"), { prefix: { tensors, preSeqLen: 4, prefixProjection: false } })
    model = modelArtifact(arch, "ptuning-v2", stage1)
  }
  const dataDir = join(root, "data")
  mkdirSync(dataDir)
  writeFileSync(join(dataDir, "qa.jsonl"), organQa.map((q) => JSON.stringify(q)).join("\n"))
  const data = artifactOf({ file: "qa.jsonl", kind: "qa" as const, count: organQa.length, sensitive: false }, dataDir)
  return { root, model, data, config, baseModelDir: join(baseArt, "model") }
}

/**
 * `fixture.baseModelDir` plus a LoRA adapter (rank 2 on query_key_value and dense_4h_to_h of every
 * layer, A and B seeded and non-zero, so the adapter changes what the model computes), as a model
 * artifact in `root/lora-model`.
 */
export const loraModelFixture = (fixture: TuningFixture): Artifact<ModelArtifact> => {
  const settings: LoraSettings = {
    r: 2,
    lora_alpha: 4,
    lora_dropout: 0,
    target_modules: ["query_key_value", "dense_4h_to_h"],
    layers_to_transform: null,
    use_rslora: false
  }
  const rng = new Rng(17)
  const shapes = loraWeightShapes({ ...fixture.config, zaoji_lora: settings })
  const tensors = new Map(
    Object.entries(shapes).map(([n, s]) => [n, { shape: s, data: Float32Array.from({ length: s[0]! * s[1]! }, () => (rng.next() * 2 - 1) * 0.5) }])
  )
  const art = join(fixture.root, "lora-model")
  const dir = join(art, "model")
  const lora = writeLoraAdapter(dir, settings, tensors, { baseModel: relative(dir, fixture.baseModelDir) })
  writeAdapterModel(dir, fixture.baseModelDir, { carried: [lora] })
  return modelArtifact(fixture.config.zaoji_arch, "lora", art)
}
