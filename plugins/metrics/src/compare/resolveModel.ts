/**
 * Open the model inside a model artifact for evaluation. The artifact's value names its model
 * folder (`model`, relative to the artifact folder, as glm-runtime's `ModelArtifact` does). A folder
 * holding `char-bigram.json` is the knowledge-free reference model; any other folder is loaded with
 * glm-runtime's `loadModelFolder` (base + adapters) and its tokenizer.
 */
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Scope } from "effect"
import { errorMessage, type Artifact, InputError, PermanentError, type StageFailure } from "@zaoji/core"
import { estimateInferenceMemory, inferenceMemoryRefusal, loadModelFolder, loadTokenizer, readModelConfig, resolveModelFolder } from "@zaoji/glm-runtime"
import { backendInfo, ensureBackend, memoryBudget } from "@zaoji/tensor"
import { CHAR_BIGRAM_FILE, charBigramFromFile } from "../model/charNgramLm.js"
import { glmLanguageModel } from "../model/glmModel.js"
import type { LanguageModel } from "../model/languageModel.js"

/** what `metrics.compare` needs from a model-producing stage's output */
export interface ModelInput {
  /** model folder, relative to the artifact folder */
  readonly model: string
}

export interface OpenedModel {
  readonly lm: LanguageModel
  /** prompts cut to fit the context (GLM models) */
  readonly truncated: () => number
  readonly kind: "glm" | "char-bigram"
}

/** tokens per row the memory estimate assumes (prompt and answer; ChatGLM2's 32 k context is rarely filled) */
const EVAL_ESTIMATE_TOKENS = 2048

/** open a model for the scope's lifetime (its tensors are freed when the scope closes) */
export const openModel = (
  name: string,
  artifact: Artifact<ModelInput>,
  seed: number,
  /** rows evaluated at once: the memory estimate made before loading uses it */
  batchSize = 8
): Effect.Effect<OpenedModel, StageFailure, Scope.Scope> =>
  Effect.gen(function* () {
    const folder = join(artifact.dir, artifact.value.model ?? ".")
    if (!existsSync(folder))
      return yield* Effect.fail(new InputError({ message: `model "${name}": folder ${folder} does not exist`, location: `inputs.${name}` }))
    const bigram = join(folder, CHAR_BIGRAM_FILE)
    if (existsSync(bigram)) {
      const lm = yield* Effect.try({
        try: () => charBigramFromFile(JSON.parse(readFileSync(bigram, "utf8")), name),
        catch: (e) => new InputError({ message: `${bigram}: not a char-bigram model file (${errorMessage(e)})`, location: bigram })
      })
      return { lm, truncated: () => 0, kind: "char-bigram" as const }
    }
    const backend = yield* Effect.promise(() => ensureBackend())
    // refuse at once a model the backend cannot hold with its key/value cache (a folder that cannot
    // be read is reported by the loader below)
    const cfg = yield* Effect.option(Effect.try(() => readModelConfig(resolveModelFolder(folder).baseDir)))
    if (cfg._tag === "Some") {
      const context = cfg.value.zaoji_arch === "glm1" ? cfg.value.max_sequence_length : cfg.value.seq_length
      const length = Math.min(context, EVAL_ESTIMATE_TOKENS)
      const refusal = inferenceMemoryRefusal(estimateInferenceMemory(cfg.value, batchSize, length, { backend }), memoryBudget(backendInfo()), backend)
      if (refusal !== undefined) return yield* Effect.fail(new PermanentError({ message: `model "${name}": ${refusal}` }))
    }
    const loaded = yield* Effect.acquireRelease(
      Effect.try({
        try: () => loadModelFolder(folder),
        catch: (e) => new InputError({ message: `model "${name}": ${errorMessage(e)}`, location: `inputs.${name}` })
      }),
      (l) => Effect.sync(() => l.model.dispose())
    )
    if (loaded.tokenizerDir === undefined)
      return yield* Effect.fail(new InputError({ message: `model "${name}": no tokenizer files in ${folder} or its base folder`, location: `inputs.${name}` }))
    const tokenizer = yield* Effect.try({
      try: () => loadTokenizer(loaded.tokenizerDir!),
      catch: (e) => new InputError({ message: `model "${name}": ${errorMessage(e)}`, location: `inputs.${name}` })
    })
    const lm = glmLanguageModel(name, loaded.model, tokenizer, { seed })
    return { lm, truncated: lm.truncated, kind: "glm" as const }
  })
