/**
 * Opening a model folder for chat: the model (base + adapters, as MODEL's loader assembles it),
 * its tokenizer, and a ChatEngine over both. This is what `zaoji chat` and `zaoji serve` run.
 */
import { basename, resolve } from "node:path"
import { ensureBackend } from "@zaoji/tensor"
import { loadModelFolder } from "../load/folder.js"
import { ModelFolderError } from "../load/manifest.js"
import { loadTokenizer } from "../tokenizer/folder.js"
import type { ChatFormat } from "../tokenizer/types.js"
import { chatEngineFromModel, type ChatEngine, type SamplingOptions } from "./engine.js"

export interface OpenChatOptions {
  /** id reported by the server (default: the folder's name) */
  readonly modelId?: string
  /** override the tokenizer's chat format (e.g. glm3 for a ChatGLM3 folder without a marker) */
  readonly format?: ChatFormat
  readonly defaults?: SamplingOptions
}

export interface OpenedChat {
  readonly engine: ChatEngine
  /** frees the model's tensors */
  readonly dispose: () => void
}

export const openChatEngine = async (dir: string, options: OpenChatOptions = {}): Promise<OpenedChat> => {
  await ensureBackend()
  const loaded = loadModelFolder(dir)
  try {
    if (loaded.tokenizerDir === undefined)
      throw new ModelFolderError(loaded.dir, "no tokenizer: expected tokenizer.json, ice_text.model or tokenizer.model in the folder or its base")
    const tokenizer = loadTokenizer(loaded.tokenizerDir)
    const engine = chatEngineFromModel(loaded.model, tokenizer, {
      modelId: options.modelId ?? basename(resolve(dir)),
      format: options.format,
      defaults: options.defaults
    })
    return { engine, dispose: () => loaded.model.dispose() }
  } catch (e) {
    loaded.model.dispose()
    throw e
  }
}
