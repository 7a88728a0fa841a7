/**
 * The GLM causal-LM training program, shared by pretraining (every tensor trainable), P-Tuning v2
 * (only the prefix encoder), freeze tuning (the last layers) and LoRA. It is built from serialisable
 * arguments so that every data-parallel worker thread builds the identical program. The loss is
 * `supervisedLoss` (supervisedLoss.ts).
 *
 * A matrix above the backend's binding limit (WebGPU's maxStorageBufferBindingSize; ChatGLM-6B's
 * embedding and LM head on any GPU, its layer matrices on lavapipe) is held as row shards
 * (`name#rows<k>`), frozen or trainable; the trainer still sees every tensor whole (`wholeNamed`).
 */
import * as tf from "@tensorflow/tfjs"
import { maxBindingBytes, readSafetensors, rowShardBase, rowShardsData, rowShardsIn, type RowShards } from "@zaoji/tensor"
import { makeTfProgram, type TrainProgram } from "@zaoji/training"
import {
  baseWeightShapes,
  decodeGlmConfig,
  dimsOf,
  disposePrepared,
  isIgnorableTensor,
  isPrefixTensor,
  loadModelFolder,
  loraWeightShapes,
  needsRowShards,
  prefixEncoder,
  prefixWeightShapes,
  prepareLinears,
  weightEntries,
  type GlmConfig,
  type WeightMap
} from "@zaoji/glm-runtime"
import { initTensor } from "./init.js"
import { layerwiseLoss, layerwiseValueAndGrads } from "./recompute.js"
import { supervisedHeadLoss, supervisedLoss } from "./supervisedLoss.js"

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
  /**
   * bytes above which a matrix is held as row shards (`name#rows<k>`); default the backend's
   * binding limit (WebGPU's maxStorageBufferBindingSize; none elsewhere). A smaller value forces
   * shards on any backend (tests).
   */
  readonly maxBindingBytes?: number
  /**
   * activation recomputation (the training setting `recompute`): gradients layer by layer
   * (recompute.ts), one layer's activations alive at a time; the same numbers up to float rounding
   */
  readonly recompute?: boolean
}

type Host = { shape: ReadonlyArray<number>; data: Float32Array }

/** The config and every tensor it needs (loaded, or initialised from the seed), as host arrays. */
export const loadStartingTensors = (args: Omit<GlmProgramArgs, "trainable">): { cfg: GlmConfig; tensors: Map<string, Host> } => {
  const out = new Map<string, Host>()
  let folderCfg: GlmConfig | undefined
  if (args.modelDir !== undefined) {
    // at a forced shard limit the folder streams in shards of that size too (the path a 6B model takes on a GPU)
    const loaded = loadModelFolder(args.modelDir, { prepare: false, ...(args.maxBindingBytes !== undefined ? { maxBindingBytes: args.maxBindingBytes } : {}) })
    folderCfg = loaded.model.config
    const w = loaded.model.weights
    for (const key of Object.keys(w)) {
      // a matrix the folder loaded as row shards comes back whole (the program shards it again at its own limit)
      const base = rowShardBase(key)
      if (base === undefined) out.set(key, { shape: w[key]!.shape, data: w[key]!.dataSync() as Float32Array })
      else if (!out.has(base)) out.set(base, wholeOf(rowShardsIn(w, base)!))
    }
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
  const trainableNames = new Set(args.trainable)
  for (const n of trainableNames) if (!host.has(n)) throw new Error(`trainable tensor "${n}" is not part of this model`)
  const limit = args.maxBindingBytes ?? maxBindingBytes()
  const frozen: Record<string, tf.Tensor> = {}
  // device tensors of the trainable weights, by weight-map key (a sharded weight: one per shard)
  const trainable: Record<string, tf.Tensor> = {}
  // trainable weights held as row shards: official name → shard keys, in row order
  const shardKeys = new Map<string, string[]>()
  for (const [name, t] of host) {
    const entries = deviceEntries(name, t, limit)
    const keys = Object.keys(entries)
    if (trainableNames.has(name)) {
      Object.assign(trainable, entries)
      if (keys.length > 1 || keys[0] !== name) shardKeys.set(name, keys)
    } else Object.assign(frozen, entries)
  }
  host.clear()
  // what the forward differentiates: whole names and shard keys alike
  const trainableKeys = new Set(Object.keys(trainable))
  // frozen linears: a transposed copy where the backend multiplies it faster (WASM), none on WebGPU
  const prepared = prepareLinears(cfg, frozen)
  const hasPrefix = d.preSeqLen > 0
  const prefixTrainable = [...trainableNames].some(isPrefixTensor)
  // a frozen prefix is computed once
  const frozenPrefix = hasPrefix && !prefixTrainable ? prefixEncoder(cfg, frozen) : undefined

  const program = makeTfProgram({
    trainable,
    loss: (params, batch) => {
      const weights: WeightMap = { ...frozen, ...params }
      if (args.recompute) {
        // only evaluation comes here (gradients go through valueAndGrads): one layer's intermediates at a time
        let count = 0
        const loss = layerwiseLoss({
          cfg,
          weights,
          batch: { inputIds: batch.inputIds, padLeft: batch.inputIds.map(() => 0) },
          prepared,
          ...(frozenPrefix !== undefined ? { prefixKv: frozenPrefix } : {}),
          loss: (normed, w) => {
            const l = supervisedHeadLoss(cfg, w, normed, batch.labels, { trainable: trainableKeys, prepared })
            count = l.count
            return l.loss
          }
        })
        return { loss, count }
      }
      const prefixKv = hasPrefix ? (frozenPrefix ?? prefixEncoder(cfg, weights)) : undefined
      return supervisedLoss(cfg, weights, batch, { trainable: trainableKeys, prepared, ...(prefixKv !== undefined ? { prefixKv } : {}) })
    },
    ...(args.recompute
      ? {
          valueAndGrads: async (params, batch) => {
            let count = 0
            const r = await layerwiseValueAndGrads({
              cfg,
              weights: { ...frozen, ...params },
              trainable: [...trainableKeys],
              batch: { inputIds: batch.inputIds, padLeft: batch.inputIds.map(() => 0) },
              prepared,
              ...(frozenPrefix !== undefined ? { prefixKv: frozenPrefix } : {}),
              loss: (normed, weights) => {
                const l = supervisedHeadLoss(cfg, weights, normed, batch.labels, { trainable: trainableKeys, prepared })
                count = l.count
                return l.loss
              }
            })
            return { ...r, count }
          }
        } satisfies Pick<Parameters<typeof makeTfProgram>[0], "valueAndGrads">
      : {}),
    onDispose: () => {
      frozenPrefix?.dispose()
      disposePrepared(prepared)
      for (const t of Object.values(frozen)) t.dispose()
    }
  })
  return shardKeys.size === 0 ? program : wholeNamed(program, shardKeys)
}

// internal

const wholeOf = (table: RowShards): Host => ({ shape: [...table.shape], data: rowShardsData(table) })

/** A host tensor on the device: whole, or as row shards when a matrix is above `limit` bytes. */
const deviceEntries = (name: string, t: Host, limit: number): Record<string, tf.Tensor> => {
  // the prefix encoder reads its tensors whole (ChatGLM-6B's prefix table is 117 MB, below every
  // GPU's binding limit); the memory check refuses a prefix above the limit
  if (isPrefixTensor(name) || !needsRowShards(t.shape, limit)) return { [name]: tf.tensor(t.data, [...t.shape], "float32") }
  const cols = t.shape[1]!
  return weightEntries(name, t.shape, (start, n) => t.data.subarray(start * cols, (start + n) * cols), limit)
}

/**
 * The program as the trainer sees it: trainable tensors under their official names and whole shapes,
 * whatever shards hold them on the device. Gradients come per shard and are joined in row order on
 * the host, new values are split per shard, so AdamW (elementwise, on the host) updates the same
 * numbers as it would per shard, and checkpoints, adapters and training states keep whole tensors.
 */
const wholeNamed = (inner: TrainProgram, shardKeys: ReadonlyMap<string, ReadonlyArray<string>>): TrainProgram => {
  const specOf = new Map(inner.trainable.map((s) => [s.name, s]))
  const keysOf = (name: string): ReadonlyArray<string> => shardKeys.get(name) ?? [name]
  const names: string[] = []
  for (const s of inner.trainable) {
    const name = rowShardBase(s.name) ?? s.name
    if (!names.includes(name)) names.push(name)
  }
  const shapeOf = (name: string): number[] => {
    const parts = keysOf(name).map((k) => specOf.get(k)!.shape)
    return parts.length === 1 && keysOf(name)[0] === name ? [...parts[0]!] : [parts.reduce((n, s) => n + s[0]!, 0), parts[0]![1]!]
  }
  const join = (values: Readonly<Record<string, Float32Array>>): Record<string, Float32Array> => {
    const out: Record<string, Float32Array> = {}
    for (const name of names) {
      const parts = keysOf(name).map((k) => values[k]!)
      if (parts.length === 1 && keysOf(name)[0] === name) {
        out[name] = parts[0]!
        continue
      }
      const whole = new Float32Array(parts.reduce((n, p) => n + p.length, 0))
      let at = 0
      for (const p of parts) {
        whole.set(p, at)
        at += p.length
      }
      out[name] = whole
    }
    return out
  }
  return {
    trainable: names.map((name) => ({ name, shape: shapeOf(name) })),
    initial: async () => join(await inner.initial()),
    setTrainable: (values) => {
      const split: Record<string, Float32Array> = {}
      for (const name of names) {
        const v = values[name]
        if (v === undefined) throw new Error(`setTrainable: no value for ${name}`)
        let at = 0
        for (const k of keysOf(name)) {
          const n = specOf.get(k)!.shape.reduce((a, b) => a * b, 1)
          if (at + n > v.length) throw new Error(`setTrainable: ${name} has ${v.length} values, expected ${shapeOf(name).reduce((a, b) => a * b, 1)}`)
          // a copy: the trainer updates its arrays in place, the device tensor must not alias them
          split[k] = v.slice(at, at + n)
          at += n
        }
      }
      inner.setTrainable(split)
    },
    gradients: async (batch) => {
      const r = await inner.gradients(batch)
      return { ...r, grads: join(r.grads) }
    },
    evalLoss: (batch) => inner.evalLoss(batch),
    memory: () => inner.memory(),
    dispose: () => inner.dispose()
  }
}
