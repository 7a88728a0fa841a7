/** `ptuning-v2.train`'s run (the definition, with what each setting means, is in stage.ts). */
import { join } from "node:path"
import { Effect } from "effect"
import { InputError, PermanentError, errorMessage, type Stage } from "@zaoji/core"
import type { DatasetFile } from "@zaoji/data"
import { decodeGlmConfig, dimsOf, prefixNames, type ModelArtifact } from "@zaoji/glm-runtime"
import {
  carryAdapters,
  continuedState,
  openInputModel,
  recordMetrics,
  runTraining,
  saveTrainingState,
  summarize,
  supervisedFromInputs,
  tokenizerOfModel,
  writeAdapterModel
} from "@zaoji/fine-tuning/kit"
import { withPrefix, prefixTensorShapes } from "./prefixConfig.js"
import { prefixFromModelFolder } from "./prefixInit.js"
import type { PTuningConfig } from "./stage.js"

/**
 * The starting prefix, when it is not the program's own: the base's activations (see
 * `prefixFromActivations`) for a new prefix without projection. A base that already carries a
 * prefix continues from it; "normal" keeps the official N(0, 1) initialisation.
 */
const initialPrefix = (args: {
  readonly modelDir: string
  readonly continues: boolean
  readonly config: PTuningConfig
  readonly location: string
  readonly train: ReadonlyArray<{ readonly inputIds: ReadonlyArray<number> }>
}): Effect.Effect<Record<string, Float32Array> | undefined, InputError | PermanentError> => {
  const { config } = args
  const mode = config.prefixInit ?? (config.prefixProjection ? "normal" : "activations")
  if (mode === "activations" && config.prefixProjection) {
    return Effect.fail(
      new InputError({
        location: args.location,
        message: `prefixInit "activations" needs prefixProjection false (the projection's MLP output cannot be set to given keys/values); expected "normal" or no prefixInit`
      })
    )
  }
  if (mode === "normal" || args.continues) return Effect.succeed(undefined)
  return Effect.tryPromise({
    try: async () => ({ [prefixNames.embedding]: await prefixFromModelFolder(args.modelDir, args.train, config.preSeqLen) }),
    catch: (e) => new PermanentError({ message: `initialising the prefix from the base's activations: ${errorMessage(e)}`, cause: e })
  })
}

export const run = ({
  config,
  inputs,
  ctx
}: Stage.RunArgs<PTuningConfig, { base: ModelArtifact; data: DatasetFile; validation: DatasetFile | undefined; continueFrom: ModelArtifact | undefined }>) =>
  Effect.gen(function* () {
    const modelDir = join(inputs.base.dir, inputs.base.value.model)
    const { folder, baseConfig: baseCfg } = yield* openInputModel(modelDir, `${ctx.stageId}.inputs.base`)
    if (config.prefixHiddenSize !== undefined && config.prefixHiddenSize !== baseCfg.hidden_size) {
      return yield* Effect.fail(
        new InputError({
          location: `${ctx.stageId}.config.prefixHiddenSize`,
          message: `prefixHiddenSize ${config.prefixHiddenSize} is not supported: expected the model's hidden_size (${baseCfg.hidden_size}), which the runtime's prefix encoder uses like the official code`
        })
      )
    }
    const rawConfig = withPrefix(folder.rawBaseConfig, { preSeqLen: config.preSeqLen, prefixProjection: config.prefixProjection })
    const cfg = decodeGlmConfig(rawConfig)
    const tokenizer = yield* tokenizerOfModel(modelDir, folder.baseDir, `${ctx.stageId}.inputs.base`)
    const data = yield* supervisedFromInputs({
      data: inputs.data,
      validation: inputs.validation,
      tokenizer,
      settings: config
    })
    const shapes = prefixTensorShapes(rawConfig)
    const trainable = Object.keys(shapes)
    const continued = yield* continuedState(inputs.continueFrom, ctx.stageId)
    const initial = yield* initialPrefix({
      modelDir,
      continues: continued !== undefined || folder.adapters.some((a) => a.type === "prefix"),
      config,
      location: `${ctx.stageId}.config.prefixInit`,
      train: data.train
    })
    if (initial !== undefined) yield* ctx.log("info", "prefix initialised from the base's activations", { preSeqLen: config.preSeqLen })
    const result = yield* runTraining({
      ctx,
      config: cfg,
      program: { modelDir, config: rawConfig, initSeed: config.seed, trainable },
      padId: tokenizer.special.pad,
      train: data.train,
      validation: data.validation,
      settings: config,
      ...(initial ? { initial } : {}),
      ...(continued ? { continueFrom: continued } : {})
    })
    const outModel = join(ctx.outDir, "model")
    yield* Effect.try({
      try: () => {
        // the base's deltas and LoRA adapters stay as they are; a prefix it had is replaced by the new one
        const carried = carryAdapters(modelDir, folder.adapters.filter((a) => a.type !== "prefix"), outModel)
        writeAdapterModel(outModel, folder.baseDir, {
          prefix: {
            tensors: new Map(trainable.map((n) => [n, { shape: shapes[n]!, data: result.params[n]! }])),
            preSeqLen: config.preSeqLen,
            prefixProjection: config.prefixProjection
          },
          carried
        })
      },
      catch: (e) => new PermanentError({ message: `writing the prefix adapter: ${errorMessage(e)}` })
    })
    const summary = summarize(result, {
      trainExamples: data.train.length,
      validationExamples: data.validation.length,
      trainableParams: trainable.reduce((a, n) => a + shapes[n]!.reduce((x, y) => x * y, 1), 0),
      truncation: data.truncation
    })
    yield* saveTrainingState(ctx.outDir, result.state)
    yield* recordMetrics(ctx, summary, result.learning)
    yield* ctx.metric("pre_seq_len", dimsOf(cfg).preSeqLen)
    return { model: "model", arch: cfg.zaoji_arch, method: "ptuning-v2" as const, training: summary, ...(result.learning ? { learning: result.learning } : {}) }
  })
