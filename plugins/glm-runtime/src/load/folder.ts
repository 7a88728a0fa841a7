/**
 * Model folders: `config.json` (official fields + `zaoji_arch`), `model.safetensors` or shards with
 * `model.safetensors.index.json` (or, as the official ChatGLM repositories ship them, PyTorch
 * `pytorch_model.bin` or shards with `pytorch_model.bin.index.json`), tokenizer files, and
 * optionally `zaoji-model.json` naming a base folder and adapters (P-Tuning v2 prefix, freeze
 * delta, PEFT LoRA). Loading base + adapters gives one model. Zaoji itself always writes safetensors.
 */
import * as tf from "@tensorflow/tfjs"
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs"
import { basename, dirname, join, relative, resolve } from "node:path"
import {
  checkTensorShapes,
  readEntryRows,
  readSafetensorsHeader,
  rowShardsIn,
  readShardedHeaders,
  readTensorEntries,
  readTorchCheckpoint,
  readTorchShardedEntries,
  SafetensorsError,
  writeFileAtomic,
  writeSafetensors,
  writeShardedSafetensors,
  type TensorEntry,
  type WriteDtype
} from "@zaoji/tensor"
import { ConfigError, decodeGlmConfig } from "../model/config.js"
import { createModel } from "../model/model.js"
import { baseWeightShapes, isIgnorableTensor, isPrefixTensor, prefixWeightShapes } from "../model/names.js"
import type { GlmConfig, GlmModel, WeightMap } from "../model/types.js"
import { loraTargets, mergeLoraInto } from "../model/lora.js"
import { tokenizerFilesIn } from "../tokenizer/folder.js"
import { readLoraAdapter } from "./lora.js"
import { toHost, toTf } from "../weights/tensors.js"
import { heldWeightNames, weightEntries as shardedEntries } from "../weights/shards.js"
import { decodeManifest, ModelFolderError, type AdapterRef, type ModelManifest, type ModelManifestEncoded } from "./manifest.js"
import { errorMessage } from "@zaoji/core"
import { baseWeightsFile, CONFIG_FILE, DELTA_FILE, EXPECTED_WEIGHTS, MANIFEST_FILE, PREFIX_FILE, TORCH_WEIGHTS_FILE, TORCH_WEIGHTS_INDEX, WEIGHTS_FILE, WEIGHTS_INDEX, type BaseWeightFile } from "./weightFiles.js"

export { CONFIG_FILE, DELTA_FILE, MANIFEST_FILE, PREFIX_FILE, TORCH_WEIGHTS_FILE, TORCH_WEIGHTS_INDEX, WEIGHTS_FILE, WEIGHTS_INDEX } from "./weightFiles.js"
export { baseWeightsFile, EXPECTED_WEIGHTS } from "./weightFiles.js"

const readJson = (file: string): unknown => {
  let text: string
  try {
    text = readFileSync(file, "utf8")
  } catch (e) {
    throw new ModelFolderError(file, `cannot read: ${errorMessage(e)}`)
  }
  try {
    return JSON.parse(text)
  } catch (e) {
    throw new ModelFolderError(file, `not valid JSON (${errorMessage(e)})`)
  }
}

export const readModelConfig = (dir: string): GlmConfig => {
  const file = join(dir, CONFIG_FILE)
  if (!existsSync(file)) throw new ModelFolderError(file, "missing: a model folder needs config.json")
  return decodeGlmConfig(readJson(file), file)
}

/** how each base weights file is read */
const readers: Readonly<Record<BaseWeightFile, (file: string) => ReadonlyMap<string, TensorEntry>>> = {
  [WEIGHTS_INDEX]: readShardedHeaders,
  [WEIGHTS_FILE]: (f) => readSafetensorsHeader(f).entries,
  [TORCH_WEIGHTS_INDEX]: readTorchShardedEntries,
  [TORCH_WEIGHTS_FILE]: readTorchCheckpoint
}

/** Tensor entries of the folder's base weights (single file or sharded). */
const weightEntries = (dir: string): { file: string; entries: ReadonlyMap<string, TensorEntry> } => {
  const file = baseWeightsFile(dir)
  if (file === undefined) throw new ModelFolderError(dir, `no weights: expected ${EXPECTED_WEIGHTS}`)
  return { file, entries: readers[basename(file) as BaseWeightFile](file) }
}

/**
 * Read and check the base weights of a folder against its config: every expected tensor present
 * with the expected shape, nothing unexpected (the recomputed rotary buffers of real checkpoints
 * are tolerated; prefix-encoder tensors are loaded when the config asks for a prefix).
 */
export const loadBaseWeights = (dir: string, cfg: GlmConfig, options: StreamOptions = {}): Record<string, tf.Tensor> => {
  const { file, entries } = weightEntries(dir)
  const expected = { ...baseWeightShapes(cfg), ...prefixWeightShapes(cfg) }
  checkTensorShapes(file, expected, entries, {
    ignore: isIgnorableTensor,
    allowMissing: isPrefixTensor
  })
  const names = [...entries.keys()].filter((n) => n in expected)
  return streamToDevice(entries, names, options)
}

export interface StreamOptions {
  /** matrices above this many bytes become row shards (default: the backend's binding limit) */
  readonly maxBindingBytes?: number
  /** told the size of every host read (a whole small tensor, or one row shard), for memory checks */
  readonly onHostRead?: (name: string, bytes: number) => void
}

/**
 * Move tensors from their files to the backend one at a time, a large matrix row shard by row
 * shard: the host never holds a float32 copy of the model, only of the tensor (or shard) in flight.
 */
const streamToDevice = (entries: ReadonlyMap<string, TensorEntry>, names: ReadonlyArray<string>, options: StreamOptions): Record<string, tf.Tensor> => {
  const out: Record<string, tf.Tensor> = {}
  try {
    for (const name of names) {
      const e = entries.get(name)!
      Object.assign(out, shardedEntries(name, e.shape, (start, n) => {
        const data = readEntryRows(e, start, n)
        options.onHostRead?.(name, data.byteLength)
        return data
      }, options.maxBindingBytes))
    }
  } catch (err) {
    tf.dispose(Object.values(out))
    throw err
  }
  return out
}

const loadAdapterFile = (file: string, expected: Readonly<Record<string, ReadonlyArray<number>>>, partial: boolean): Record<string, tf.Tensor> => {
  const h = readSafetensorsHeader(file)
  checkTensorShapes(file, expected, h.entries, { allowMissing: partial ? () => true : undefined })
  return toTf(readTensorEntries(h.entries))
}

/**
 * An adapter cannot change a matrix held as row shards (above the backend's binding limit): say so
 * rather than fail inside the merge. Layer matrices are sharded only on small-limit adapters
 * (lavapipe's 128 MiB); the embedding and the head, which are, take no adapter.
 */
const refuseSharded = (weights: WeightMap, names: ReadonlyArray<string>, file: string): void => {
  const hit = names.find((n) => weights[n] === undefined && rowShardsIn(weights, n) !== undefined)
  if (hit !== undefined) {
    throw new ModelFolderError(file, `tensor "${hit}" is held as row shards on this backend (larger than its binding limit), and an adapter cannot change a sharded tensor yet; load on a backend with a larger limit or merge the adapter into the base first`)
  }
}

export interface LoadedModelFolder {
  readonly model: GlmModel
  /** folder the model was loaded from */
  readonly dir: string
  /** folder holding config.json and the base weights */
  readonly baseDir: string
  /** folder holding the tokenizer files (this folder or the base's), if any */
  readonly tokenizerDir: string | undefined
  readonly manifest: ModelManifest | undefined
}

/** Resolve the base folder and adapters of a folder (following `zaoji-model.json`). */
export const resolveModelFolder = (dir: string): { baseDir: string; manifest: ModelManifest | undefined } => {
  const mf = join(dir, MANIFEST_FILE)
  if (!existsSync(mf)) return { baseDir: dir, manifest: undefined }
  const manifest = decodeManifest(readJson(mf), mf)
  const baseDir = resolve(dir, manifest.base)
  if (!existsSync(baseDir) || !statSync(baseDir).isDirectory()) {
    throw new ModelFolderError(mf, `field "base": folder ${manifest.base} (resolved to ${baseDir}) does not exist`)
  }
  return { baseDir, manifest }
}

/** The config a folder's model runs with: the base config plus a prefix adapter's settings. */
export const effectiveConfig = (base: GlmConfig, adapters: ReadonlyArray<AdapterRef>): GlmConfig => {
  const prefix = adapters.find((a) => a.type === "prefix")
  if (prefix === undefined || prefix.type !== "prefix") return base
  return { ...base, pre_seq_len: prefix.pre_seq_len, prefix_projection: prefix.prefix_projection }
}

/** Load a model folder (base + adapters) as one model. */
export const loadModelFolder = (dirIn: string, options: { readonly prepare?: boolean } & StreamOptions = {}): LoadedModelFolder => {
  const dir = resolve(dirIn)
  if (!existsSync(dir)) throw new ModelFolderError(dir, "model folder does not exist")
  const { baseDir, manifest } = resolveModelFolder(dir)
  const baseCfg = readModelConfig(baseDir)
  const adapters = manifest?.adapters ?? []
  if (adapters.filter((a) => a.type === "prefix").length > 1) {
    throw new ModelFolderError(join(dir, MANIFEST_FILE), `field "adapters": at most one prefix adapter, found ${adapters.filter((a) => a.type === "prefix").length}`)
  }
  const cfg = effectiveConfig(baseCfg, adapters)
  const weights: Record<string, tf.Tensor> = loadBaseWeights(baseDir, baseCfg, options)
  try {
    for (const a of adapters) {
      const file = join(dir, a.file)
      if (a.type === "prefix") {
        Object.assign(weights, loadAdapterFile(file, prefixWeightShapes(cfg), false))
      } else if (a.type === "lora") {
        // merged as it loads (PEFT's merge_and_unload): inference runs at the base model's speed
        const lora = readLoraAdapter(dir, a, cfg)
        refuseSharded(weights, loraTargets(cfg, lora.settings), file)
        mergeLoraInto(weights, cfg, lora.settings, lora.tensors)
      } else {
        const shapes = baseWeightShapes(cfg)
        const delta = loadAdapterFile(file, shapes, true)
        refuseSharded(weights, Object.keys(delta), file)
        for (const [name, t] of Object.entries(delta)) {
          const old = weights[name]
          if (a.mode === "add") {
            weights[name] = tf.add(old, t)
            t.dispose()
          } else weights[name] = t
          old.dispose()
        }
      }
    }
    const model = createModel(cfg, weights, options)
    const tokenizerDir = [dir, baseDir].find((d) => tokenizerFilesIn(d) !== undefined)
    return { model, dir, baseDir, tokenizerDir, manifest }
  } catch (e) {
    for (const t of Object.values(weights)) if (!t.isDisposed) t.dispose()
    throw e
  }
}

export interface SaveModelOptions {
  readonly dtype?: WriteDtype
  /** shard the weights when they exceed this many bytes (Hugging Face layout with an index) */
  readonly maxShardBytes?: number
}

const writeConfig = (dir: string, cfg: GlmConfig): void =>
  writeFileAtomic(join(dir, CONFIG_FILE), [Buffer.from(`${JSON.stringify({ architectures: ["ChatGLMModel"], model_type: "chatglm", ...cfg }, null, 2)}\n`)])

/**
 * Write a base model folder (config + weights), all or nothing: files go to a temp folder that is
 * renamed into place (an existing folder's model files are replaced, other files such as the
 * tokenizer are left alone).
 */
export const saveModelFolder = (dir: string, cfg: GlmConfig, weights: WeightMap, options: SaveModelOptions = {}): void => {
  const expected = { ...baseWeightShapes(cfg), ...prefixWeightShapes(cfg) }
  const names = heldWeightNames(weights, Object.keys(expected))
  const shapeOf = (n: string): ReadonlyArray<number> => weights[n]?.shape ?? rowShardsIn(weights, n)!.shape
  checkTensorShapes("(weights to save)", expected, new Map(names.map((n) => [n, { shape: shapeOf(n) }])), { allowMissing: isPrefixTensor })
  const host = toHost(weights, names)
  const tmp = `${resolve(dir)}.tmp-${process.pid}-${Date.now()}`
  mkdirSync(tmp, { recursive: true })
  try {
    const total = names.reduce((s, n) => s + shapeOf(n).reduce((a, b) => a * b, 1) * (options.dtype === undefined || options.dtype === "F32" ? 4 : 2), 0)
    if (options.maxShardBytes !== undefined && total > options.maxShardBytes) {
      writeShardedSafetensors(tmp, host, { maxShardBytes: options.maxShardBytes, dtype: options.dtype })
    } else {
      writeSafetensors(join(tmp, WEIGHTS_FILE), host, { dtype: options.dtype })
    }
    writeConfig(tmp, cfg)
    mkdirSync(dir, { recursive: true })
    for (const f of [WEIGHTS_FILE, WEIGHTS_INDEX]) rmSync(join(dir, f), { force: true })
    for (const f of readdirSync(tmp)) if (/^model-\d+-of-\d+\.safetensors$/.test(f) || f === WEIGHTS_FILE || f === WEIGHTS_INDEX) renameSync(join(tmp, f), join(dir, f))
    renameSync(join(tmp, CONFIG_FILE), join(dir, CONFIG_FILE))
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}


/** Adapter tensors to write into an adapter folder. */
export type AdapterToSave =
  | { readonly type: "prefix"; readonly weights: WeightMap; readonly pre_seq_len: number; readonly prefix_projection: boolean }
  | { readonly type: "delta"; readonly weights: WeightMap; readonly mode?: "replace" | "add" }

/**
 * Write an adapter folder: adapter safetensors + `zaoji-model.json` pointing at `baseDir`
 * (stored relative, so store folders can move together). The manifest is written last.
 */
export const saveAdapterFolder = (dir: string, baseDir: string, adapters: ReadonlyArray<AdapterToSave>): ModelManifest => {
  mkdirSync(dir, { recursive: true })
  const refs: ModelManifestEncoded["adapters"] & unknown[] = []
  for (const a of adapters) {
    if (a.type === "prefix") {
      const names = Object.keys(a.weights).filter(isPrefixTensor)
      writeSafetensors(join(dir, PREFIX_FILE), toHost(a.weights, names))
      refs.push({ type: "prefix", file: PREFIX_FILE, pre_seq_len: a.pre_seq_len, prefix_projection: a.prefix_projection })
    } else {
      writeSafetensors(join(dir, DELTA_FILE), toHost(a.weights), { metadata: { zaoji_delta_mode: a.mode ?? "replace" } })
      refs.push({ type: "delta", file: DELTA_FILE, mode: a.mode ?? "replace" })
    }
  }
  const base = relative(resolve(dir), resolve(baseDir)) || "."
  const manifest = { base, adapters: refs }
  writeFileAtomic(join(dir, MANIFEST_FILE), [Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)])
  return decodeManifest(manifest, join(dir, MANIFEST_FILE))
}

export { ConfigError, ModelFolderError, SafetensorsError, dirname }
