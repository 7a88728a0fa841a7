/**
 * `ptuning-v2.train`: P-Tuning v2 on QA pairs. The base model is frozen (no gradient, no optimizer
 * state); only the prefix encoder trains. The artifact is a model folder holding just the prefix
 * (`prefix_encoder.safetensors`, official `transformer.prefix_encoder.*` names) and a
 * `zaoji-model.json` naming the base, so loading it gives base + prefix.
 *
 * A base that already carries a prefix gets it replaced (same shape: training continues from it);
 * a base carrying a freeze delta keeps it (the delta file is carried over, frozen).
 */
import { join } from "node:path"
import { Effect, Schema } from "effect"
import { InputError, PermanentError, Stage, errorMessage, PosInt } from "@zaoji/core"
import { DatasetFile } from "@zaoji/data"
import { decodeGlmConfig, dimsOf, ModelArtifact, prefixNames } from "@zaoji/glm-runtime"
import {
  carryAdapters,
  continuedState,
  continueFromRule,
  fineTuningFields,
  openInputModel,
  recordMetrics,
  runTraining,
  saveTrainingState,
  summarize,
  supervisedFromInputs,
  tokenizerOfModel,
  writeAdapterModel
} from "@zaoji/fine-tuning"
import { withPrefix, prefixTensorShapes } from "./prefixConfig.js"
import { prefixFromModelFolder } from "./prefixInit.js"

export const PTuningConfig = Schema.Struct({
  preSeqLen: Schema.optionalWith(PosInt, { default: () => 16 }).annotations({ description: "virtual prefix tokens in every layer (pre_seq_len)" }),
  prefixProjection: Schema.optionalWith(Schema.Boolean, { default: () => false }).annotations({
    description: "produce the prefix through an MLP (embedding → Linear → Tanh → Linear) instead of a plain embedding"
  }),
  prefixHiddenSize: Schema.optional(PosInt).annotations({
    description: "hidden width of the projection MLP; the runtime (like the official code) uses hidden_size"
  }),
  /**
   * Why "activations" is the default: "normal", the official N(0, 1) embedding, can be ignored
   * entirely by a trained base's sharp attention (no gradient, no learning).
   */
  prefixInit: Schema.optional(Schema.Literal("activations", "normal")).annotations({
    description:
      'how a new prefix starts: "activations" (the default without projection) copies the base\'s own keys and values of the first training tokens; ' +
      '"normal" is the official N(0, 1) embedding (the only choice with projection)'
  }),
  // ChatGLM's P-Tuning default
  ...fineTuningFields({ learningRate: 2e-2 })
})
export type PTuningConfig = typeof PTuningConfig.Type

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

export const train = Stage.make({
  name: "ptuning-v2.train",
  // 2: the artifact and the manifest metrics carry the learning verdict
  // 3: a new prefix (no projection) starts from the base's activations (prefixInit)
  // 4: a base's LoRA adapters stay in the output (they were dropped); the final training state is saved (continueFrom)
  version: "4",
  config: PTuningConfig,
  output: ModelArtifact,
  inputs: Stage.inputsWithOptional<{
    base: ModelArtifact
    data: DatasetFile
    validation: DatasetFile | undefined
    continueFrom: ModelArtifact | undefined
  }>(["base", "data", "validation", "continueFrom"], ["validation", "continueFrom"]),
  artifactRefs: { continueFrom: continueFromRule("base") },
  compute: true,
  run: ({ config, inputs, ctx }) =>
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
        format: config.chatFormat,
        limits: { maxSourceLength: config.maxSourceLength, maxTargetLength: config.maxTargetLength },
        validationRatio: config.validationRatio,
        seed: config.seed
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
})
