/**
 * A new base model folder: a tokenizer trained on the corpus, a preset config sized to it, and
 * seeded initial weights (norm weights 1, biases 0, others N(0, 0.02)).
 */
import { join } from "node:path"
import { writeFileAtomic, writeSafetensors } from "@zaoji/tensor"
import { mkdirSync } from "node:fs"
import {
  baseWeightShapes,
  CONFIG_FILE,
  presetConfig,
  saveTokenizer,
  trainTokenizer,
  WEIGHTS_FILE,
  type ChatFormat,
  type GlmArch,
  type GlmConfig,
  type PresetName,
  type Tokenizer
} from "@zaoji/glm-runtime"
import { initTensor } from "../init.js"

export interface BaseModelSpec {
  readonly preset: "micro" | "tiny" | "small"
  readonly arch: GlmArch
  readonly chatFormat?: ChatFormat
  /** tokenizer vocabulary (default: the preset's) */
  readonly vocabSize?: number
  readonly seed: number
}

const presetVocab: Readonly<Record<BaseModelSpec["preset"], number>> = { micro: 512, tiny: 512, small: 8000 }

export const writeModelFiles = (dir: string, cfg: GlmConfig, tensors: ReadonlyMap<string, { shape: ReadonlyArray<number>; data: Float32Array }>): void => {
  mkdirSync(dir, { recursive: true })
  writeSafetensors(join(dir, WEIGHTS_FILE), tensors)
  writeFileAtomic(join(dir, CONFIG_FILE), [Buffer.from(`${JSON.stringify({ architectures: ["ChatGLMModel"], model_type: "chatglm", ...cfg }, null, 2)}\n`)])
}

/** Train the tokenizer, write config + initial weights + tokenizer into `dir`. */
export const initBaseModel = (dir: string, texts: ReadonlyArray<string>, spec: BaseModelSpec): { config: GlmConfig; tokenizer: Tokenizer } => {
  const tokenizer = trainTokenizer(texts, {
    vocabSize: spec.vocabSize ?? presetVocab[spec.preset],
    layout: spec.arch,
    chatFormat: spec.chatFormat ?? spec.arch
  })
  const config = presetConfig(spec.preset as PresetName, { arch: spec.arch, tokenizer })
  const shapes = baseWeightShapes(config)
  const tensors = new Map(Object.entries(shapes).map(([n, s]) => [n, { shape: s, data: initTensor(config, n, s, spec.seed) }]))
  writeModelFiles(dir, config, tensors)
  saveTokenizer(tokenizer, dir)
  return { config, tokenizer }
}
