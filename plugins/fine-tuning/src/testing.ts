/**
 * Test fixtures for the tuning stages (`@zaoji/fine-tuning/testing`): a micro base model folder
 * (2 layers) trained-tokenizer and seeded weights, optionally a stage-1 P-Tuning v2 prefix adapter
 * on it, and a QA dataset artifact — the set-up every tuning plugin's stage tests start from.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { join } from "node:path"
import { artifactOf, type Artifact } from "@zaoji/core"
import type { DatasetFile } from "@zaoji/data"
import { decodeGlmConfig, prefixWeightShapes, type GlmConfig, type ModelArtifact } from "@zaoji/glm-runtime"
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
