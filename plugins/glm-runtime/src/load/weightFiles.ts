/**
 * The file names of a model folder, and which base weights file a folder is read from. Kept apart
 * from the readers (folder.ts, which loads tfjs) because a stage definition needs them when a
 * workflow is planned: `glm.pretrain` hashes an imported base's config and shard index into its key.
 */
import { existsSync } from "node:fs"
import { join } from "node:path"

export const CONFIG_FILE = "config.json"
export const WEIGHTS_FILE = "model.safetensors"
export const WEIGHTS_INDEX = "model.safetensors.index.json"
export const TORCH_WEIGHTS_FILE = "pytorch_model.bin"
export const TORCH_WEIGHTS_INDEX = "pytorch_model.bin.index.json"
export const MANIFEST_FILE = "zaoji-model.json"
export const PREFIX_FILE = "prefix_encoder.safetensors"
export const DELTA_FILE = "delta.safetensors"

/** Base weight files in order of preference: safetensors before PyTorch, as transformers does. */
export const BASE_WEIGHT_FILES = [WEIGHTS_INDEX, WEIGHTS_FILE, TORCH_WEIGHTS_INDEX, TORCH_WEIGHTS_FILE] as const
export type BaseWeightFile = (typeof BASE_WEIGHT_FILES)[number]

/** What a base folder's weights may be, for messages. */
export const EXPECTED_WEIGHTS = `${WEIGHTS_FILE} or ${WEIGHTS_INDEX} (safetensors), or ${TORCH_WEIGHTS_FILE} or ${TORCH_WEIGHTS_INDEX} (PyTorch) with its shards`

/** The weights file (or shard index) a base folder's weights are read from, if it has any. */
export const baseWeightsFile = (dir: string): string | undefined => {
  const name = BASE_WEIGHT_FILES.find((f) => existsSync(join(dir, f)))
  return name === undefined ? undefined : join(dir, name)
}
