/**
 * Model loading for stages: user mistakes in a model folder (bad config, missing or misshaped
 * tensors, broken manifest, truncated files) become `InputError`s naming the file, and a loaded
 * model is a scoped resource whose tensors are freed when the scope closes (also on interrupt).
 */
import { InputError, PermanentError, errorMessage } from "@zaoji/core"
import { Effect, type Scope } from "effect"
import { SafetensorsError } from "@zaoji/tensor"
import { ConfigError } from "../model/config.js"
import { InputLayoutError } from "../model/layout.js"
import { loadModelFolder, type LoadedModelFolder } from "./folder.js"
import { ModelFolderError } from "./manifest.js"

/** The `InputError` for a model-input mistake, or undefined for anything else (a bug, an I/O fault). */
export const toInputError = (e: unknown): InputError | undefined => {
  if (e instanceof SafetensorsError) {
    return new InputError({ message: e.message, location: e.tensor !== undefined ? `${e.file} (tensor ${e.tensor})` : e.file })
  }
  if (e instanceof ConfigError || e instanceof ModelFolderError) return new InputError({ message: e.message, location: e.file })
  if (e instanceof InputLayoutError) return new InputError({ message: e.message })
  return undefined
}

/** Load a model folder inside a scope; disposed when the scope closes. */
export const acquireModelFolder = (dir: string, options: { readonly prepare?: boolean } = {}): Effect.Effect<LoadedModelFolder, InputError | PermanentError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.try({
      try: () => loadModelFolder(dir, options),
      catch: (e) => toInputError(e) ?? new PermanentError({ message: `loading model ${dir}: ${errorMessage(e)}`, location: dir, cause: e })
    }),
    (loaded) => Effect.sync(() => loaded.model.dispose())
  )
