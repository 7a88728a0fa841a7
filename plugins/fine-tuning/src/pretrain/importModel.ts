/**
 * `glm.pretrain` with `from`: instead of training a small base, take an existing model folder (a real
 * ChatGLM-6B / ChatGLM2-6B / ChatGLM3-6B checkpoint: config.json, safetensors or PyTorch `.bin` weights,
 * tokenizer) as the base.
 * The artifact links to the folder rather than copying gigabytes of weights; its config.json (and
 * shard index, when present) are content-hashed into the stage key, so replacing the checkpoint
 * re-runs everything built on it.
 */
import { existsSync, statSync, symlinkSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { InputError, type StageContext, errorMessage, pathIn } from "@zaoji/core"
import { baseWeightsFile, decodeGlmConfig, EXPECTED_WEIGHTS, tokenizerFilesIn, type ModelArtifact } from "@zaoji/glm-runtime"
import { describeModelFolder } from "../adapters.js"

export const importModel = (from: string, ctx: StageContext): Effect.Effect<ModelArtifact, InputError> =>
  Effect.gen(function* () {
    const location = `${ctx.stageId}.from`
    const dir = pathIn(ctx.baseDir, from)
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      return yield* Effect.fail(new InputError({ location, message: `${dir} is not a folder: expected a model folder (config.json, safetensors or PyTorch .bin weights, tokenizer)` }))
    const folder = yield* Effect.try({
      try: () => describeModelFolder(dir),
      catch: (e) => new InputError({ location, message: `${dir}: not a model folder (${errorMessage(e)})` })
    })
    const cfg = yield* Effect.try({
      try: () => decodeGlmConfig(folder.rawBaseConfig, join(folder.baseDir, "config.json")),
      catch: (e) => new InputError({ location: join(folder.baseDir, "config.json"), message: errorMessage(e) })
    })
    if (tokenizerFilesIn(dir) === undefined && tokenizerFilesIn(folder.baseDir) === undefined)
      return yield* Effect.fail(new InputError({ location, message: `${dir}: no tokenizer (expected tokenizer.json, ice_text.model or tokenizer.model)` }))
    if (baseWeightsFile(folder.baseDir) === undefined)
      return yield* Effect.fail(new InputError({ location, message: `${folder.baseDir}: no weights (expected ${EXPECTED_WEIGHTS})` }))
    symlinkSync(dir, join(ctx.outDir, "model"), "dir")
    yield* ctx.log("info", "imported base model", { arch: cfg.zaoji_arch, layers: cfg.num_layers, hidden: cfg.hidden_size })
    return {
      model: "model",
      arch: cfg.zaoji_arch,
      method: "import" as const,
      training: {
        steps: 0, epochs: 0, trainExamples: 0, validationExamples: 0, trainableParams: 0,
        finalTrainLoss: null, finalEvalLoss: null, bestEvalLoss: null, stoppedEarly: false, resumedFromStep: null,
        workers: 0, tokensPerSecond: 0, peakRssBytes: 0, sourceTruncated: 0, targetTruncated: 0, lossCurve: [], evalCurve: []
      }
    }
  })
