/**
 * The GLM causal-LM training program, shared by pretraining (every tensor trainable), P-Tuning v2
 * (only the prefix encoder) and freeze tuning (the last layers). It is built from serialisable
 * arguments so that every data-parallel worker thread builds the identical program.
 *
 * Loss: cross-entropy of the logits at t against labels[t+1] (official ChatGLM convention), summed
 * over targets. Only the positions that have a target go through the LM head: with prompts that
 * carry no loss this skips a large share of the head's matmuls, and changes no number.
 */
import * as tf from "@tensorflow/tfjs"
import { embeddingLookup, linear, readSafetensors } from "@zaoji/tensor"
import { makeTfProgram, shiftedTargets, weightedCrossEntropySum, type TrainProgram } from "@zaoji/training"
import {
  baseWeightShapes,
  decodeGlmConfig,
  dimsOf,
  forward,
  glm1Names,
  glm2Names,
  isIgnorableTensor,
  isPrefixTensor,
  loadModelFolder,
  loraWeightShapes,
  prefixEncoder,
  prefixWeightShapes,
  type GlmConfig,
  type WeightMap
} from "@zaoji/glm-runtime"
import { initTensor } from "./init.js"

export interface GlmProgramArgs {
  /** a model folder (base + adapters, as `loadModelFolder` reads it) giving config and weights */
  readonly modelDir?: string
  /**
   * config.json content (official fields; arch inferred when `zaoji_arch` is absent). Overrides
   * the folder's config — e.g. a base config plus `pre_seq_len` to attach a new prefix.
   */
  readonly config?: unknown
  /** safetensors files with starting tensors; a later file overrides an earlier one and the folder */
  readonly weightFiles?: ReadonlyArray<string>
  /** tensors the config needs but no file provides are initialised from this seed */
  readonly initSeed?: number
  /** names of the trainable tensors (everything else is frozen: no gradient, no optimizer state) */
  readonly trainable: ReadonlyArray<string>
}

const headName = (cfg: GlmConfig): string =>
  cfg.zaoji_arch === "glm1" ? glm1Names.head : cfg.tie_word_embeddings ? glm2Names.embedding : glm2Names.head

type Host = { shape: ReadonlyArray<number>; data: Float32Array }

/** The config and every tensor it needs (loaded, or initialised from the seed), as host arrays. */
export const loadStartingTensors = (args: Omit<GlmProgramArgs, "trainable">): { cfg: GlmConfig; tensors: Map<string, Host> } => {
  const out = new Map<string, Host>()
  let folderCfg: GlmConfig | undefined
  if (args.modelDir !== undefined) {
    const loaded = loadModelFolder(args.modelDir, { prepare: false })
    folderCfg = loaded.model.config
    for (const [name, t] of Object.entries(loaded.model.weights)) out.set(name, { shape: t.shape, data: t.dataSync() as Float32Array })
    loaded.model.dispose()
  }
  const cfg = args.config !== undefined ? decodeGlmConfig(args.config) : folderCfg
  if (cfg === undefined) throw new Error("a training program needs a model folder or a config")
  // adapter tensors the config asks for: a prefix encoder, unmerged LoRA A/B
  const shapes = { ...baseWeightShapes(cfg), ...prefixWeightShapes(cfg), ...loraWeightShapes(cfg) }
  // tensors the (possibly overridden) config does not use, e.g. a prefix the config drops
  for (const name of [...out.keys()]) if (shapes[name] === undefined) out.delete(name)
  const initSeed = args.initSeed
  for (const file of args.weightFiles ?? []) {
    for (const [name, t] of readSafetensors(file)) {
      if (isIgnorableTensor(name)) continue
      const want = shapes[name]
      if (want === undefined) throw new Error(`${file}: tensor "${name}" is not part of this model's config`)
      if (want.join(",") !== t.shape.join(",")) {
        throw new Error(`${file}: tensor "${name}" has shape [${t.shape.join(", ")}], the config expects [${want.join(", ")}]`)
      }
      out.set(name, t)
    }
  }
  const missing = Object.keys(shapes).filter((n) => !out.has(n))
  if (missing.length > 0 && initSeed === undefined) {
    throw new Error(`no weights for ${missing.length} tensor(s), e.g. "${missing[0]}", and no initialisation seed was given`)
  }
  for (const name of missing) out.set(name, { shape: shapes[name]!, data: initTensor(cfg, name, shapes[name]!, initSeed!) })
  return { cfg, tensors: out }
}

export const createProgram = async (args: GlmProgramArgs): Promise<TrainProgram> => {
  const { cfg, tensors: host } = loadStartingTensors(args)
  const d = dimsOf(cfg)
  const trainableSet = new Set(args.trainable)
  for (const n of trainableSet) if (!host.has(n)) throw new Error(`trainable tensor "${n}" is not part of this model`)
  const frozen: Record<string, tf.Tensor> = {}
  const trainable: Record<string, tf.Tensor> = {}
  for (const [name, t] of host) {
    const tensor = tf.tensor(t.data, [...t.shape], "float32")
    if (trainableSet.has(name)) trainable[name] = tensor
    else frozen[name] = tensor
  }
  // frozen linears multiply by a once-transposed copy (WASM matmuls without transpose flags are fast)
  const prepared = new Map<string, tf.Tensor2D>()
  for (const [name, t] of Object.entries(frozen)) {
    if (t.rank === 2 && !name.includes("word_embeddings") && !isPrefixTensor(name)) prepared.set(name, tf.tidy(() => tf.transpose(t as tf.Tensor2D)))
  }
  const head = headName(cfg)
  const hasPrefix = d.preSeqLen > 0
  const prefixTrainable = [...trainableSet].some(isPrefixTensor)
  // a frozen prefix is computed once
  const frozenPrefix = hasPrefix && !prefixTrainable ? prefixEncoder(cfg, frozen) : undefined

  return makeTfProgram({
    trainable,
    loss: (params, batch) => {
      const weights: WeightMap = { ...frozen, ...params }
      const b = batch.inputIds.length
      const s = batch.inputIds[0]!.length
      const prefixKv = hasPrefix ? (frozenPrefix ?? prefixEncoder(cfg, weights)) : undefined
      const out = forward(
        cfg,
        weights,
        { inputIds: batch.inputIds, padLeft: batch.inputIds.map(() => 0), ...(prefixKv ? { prefixKv } : {}) },
        { logits: "none", hidden: true, trainable: trainableSet, prepared }
      )
      const normed = out.hidden![out.hidden!.length - 1]!
      const { targets, weights: w, count } = shiftedTargets(batch.labels)
      const rows: number[] = []
      const rowTargets: number[] = []
      for (let i = 0; i < b * s; i++) {
        if (w[i] === 1) {
          rows.push(i)
          rowTargets.push(targets[i]!)
        }
      }
      if (rows.length === 0) return { loss: tf.scalar(0), count: 0 }
      const selected = embeddingLookup(tf.reshape(normed, [b * s, d.hidden]) as tf.Tensor2D, rows)
      const headW = weights[head] as tf.Tensor2D
      const logits = linear(selected, headW, {
        weightT: trainableSet.has(head) ? undefined : prepared.get(head),
        weightGrad: trainableSet.has(head)
      }) as tf.Tensor2D
      const loss = weightedCrossEntropySum(logits, Int32Array.from(rowTargets), new Float32Array(rows.length).fill(1))
      return { loss, count }
    },
    onDispose: () => {
      frozenPrefix?.dispose()
      for (const t of prepared.values()) t.dispose()
      for (const t of Object.values(frozen)) t.dispose()
    }
  })
}
