/**
 * `exportModel`: a standalone model folder from any model folder (base + prefix + delta, following
 * `zaoji-model.json`): config.json (the effective config, prefix settings included), the merged
 * weights as model.safetensors (prefix-encoder tensors included when there is a prefix) and the
 * tokenizer files. The folder appears all at once (written beside it, then renamed).
 */
import { existsSync, mkdirSync, renameSync, rmSync } from "node:fs"
import { dirname, resolve } from "node:path"
import { loadModelFolder, loadTokenizer, saveModelFolder, saveTokenizer } from "@zaoji/glm-runtime"

export const exportModel = (modelDir: string, outDir: string): { readonly outDir: string; readonly tensors: number } => {
  const target = resolve(outDir)
  if (existsSync(target)) throw new Error(`${outDir}: already exists; expected a new folder to export into`)
  const loaded = loadModelFolder(modelDir, { prepare: false })
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`
  try {
    mkdirSync(dirname(target), { recursive: true })
    saveModelFolder(tmp, loaded.model.config, loaded.model.weights)
    if (loaded.tokenizerDir !== undefined) saveTokenizer(loadTokenizer(loaded.tokenizerDir), tmp)
    renameSync(tmp, target)
    return { outDir: target, tensors: Object.keys(loaded.model.weights).length }
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true })
    throw e
  } finally {
    loaded.model.dispose()
  }
}
