/**
 * `freeze.train`: tune only the last N layers (optionally only some modules, optionally the final
 * norm) on QA pairs; everything else is frozen. Works on a base model and on a model carrying a
 * P-Tuning v2 prefix (the paper's stage 2 continues from stage 1). The `prefix` option says what
 * happens to such a prefix:
 *
 * - "frozen" (default): the prefix stays in the forward, unchanged, and the output keeps it as its
 *   own adapter (a copy of the stage-1 prefix file).
 * - "train": the prefix keeps training together with the layers; the output holds the new prefix.
 * - "merged": the prefix is frozen and merged with everything else into a standalone model folder
 *   (config with pre_seq_len, full weights, tokenizer): no reference to upstream artifacts.
 *
 * Otherwise the artifact holds only what changed: `delta.safetensors` (official names; the tuned
 * tensors plus any delta the input already carried) and `zaoji-model.json` naming the base.
 */
import { join } from "node:path"
import { Effect, Schema } from "effect"
import { InputError, PermanentError, Stage, errorMessage, PosInt } from "@zaoji/core"
import { readSafetensorsHeader } from "@zaoji/tensor"
import { effectiveConfig, isPrefixTensor, ModelArtifact, saveTokenizer } from "@zaoji/glm-runtime"
import {
  carryAdapters,
  continuedState,
  continueFromRule,
  fineTuningFields,
  loadStartingTensors,
  openInputModel,
  recordMetrics,
  runTraining,
  saveTrainingState,
  summarize,
  supervisedFromInputs,
  tokenizerOfModel,
  tuningInputs,
  writeAdapterModel,
  writeModelFiles
} from "@zaoji/fine-tuning"
import { FreezeSelectionError, freezeTrainable } from "./select.js"

export const PrefixHandling = Schema.Literal("frozen", "train", "merged")

export const FreezeConfig = Schema.Struct({
  trainableLayers: Schema.optionalWith(PosInt, { default: () => 5 }).annotations({ description: "the last N layers train (the paper tunes 5)" }),
  trainableModules: Schema.optional(Schema.Array(Schema.NonEmptyString)).annotations({
    description: 'module patterns inside those layers ("mlp", "attention", "input_layernorm", …); absent = whole layers'
  }),
  trainFinalNorm: Schema.optionalWith(Schema.Boolean, { default: () => false }).annotations({ description: "train the final layer norm too" }),
  prefix: Schema.optionalWith(PrefixHandling, { default: () => "frozen" as const }).annotations({
    description: 'what happens to a stage-1 prefix of the input model: "frozen", "train" (with the layers) or "merged" (a standalone model)'
  }),
  ...fineTuningFields({ learningRate: 1e-4 })
})
export type FreezeConfig = typeof FreezeConfig.Type

const inputError = (location: string) => (e: unknown) =>
  new InputError({ message: errorMessage(e), location })

export const train = Stage.make({
  name: "freeze.train",
  // 2: the artifact and the manifest metrics carry the learning verdict
  // 3: an input model's LoRA adapters stay in the output (they were dropped); the final training state is saved (continueFrom)
  version: "3",
  config: FreezeConfig,
  output: ModelArtifact,
  inputs: tuningInputs,
  artifactRefs: { continueFrom: continueFromRule("model") },
  compute: true,
  run: ({ config, inputs, ctx }) =>
    Effect.gen(function* () {
      const modelDir = join(inputs.model.dir, inputs.model.value.model)
      const { folder, baseConfig: baseCfg } = yield* openInputModel(modelDir, `${ctx.stageId}.inputs.model`)
      const cfg = effectiveConfig(baseCfg, folder.adapters)
      const prefixRef = folder.adapters.find((a) => a.type === "prefix")
      const layerNames = yield* Effect.try({
        try: () => freezeTrainable(cfg, config),
        catch: (e) =>
          e instanceof FreezeSelectionError
            ? new InputError({ location: `${ctx.stageId}.config.${e.field}`, message: e.message })
            : new InputError({ location: `${ctx.stageId}.config`, message: String(e) })
      })
      if (prefixRef === undefined && config.prefix === "train") {
        yield* ctx.log("warn", 'prefix: "train" has no effect: the input model has no P-Tuning prefix')
      }
      const start = yield* Effect.try({ try: () => loadStartingTensors({ modelDir }), catch: inputError(modelDir) })
      const prefixNames = [...start.tensors.keys()].filter(isPrefixTensor)
      const trainable = config.prefix === "train" ? [...layerNames, ...prefixNames] : layerNames
      const tokenizer = yield* tokenizerOfModel(modelDir, folder.baseDir, `${ctx.stageId}.inputs.model`)
      const data = yield* supervisedFromInputs({
        data: inputs.data,
        validation: inputs.validation,
        tokenizer,
        format: config.chatFormat,
        limits: { maxSourceLength: config.maxSourceLength, maxTargetLength: config.maxTargetLength },
        validationRatio: config.validationRatio,
        seed: config.seed
      })
      const continued = yield* continuedState(inputs.continueFrom, ctx.stageId)
      const result = yield* runTraining({
        ctx,
        config: cfg,
        program: { modelDir, trainable },
        padId: tokenizer.special.pad,
        train: data.train,
        validation: data.validation,
        settings: config,
        ...(continued ? { continueFrom: continued } : {})
      })

      const outModel = join(ctx.outDir, "model")
      const host = (names: ReadonlyArray<string>) =>
        new Map(names.map((n) => [n, { shape: start.tensors.get(n)!.shape, data: result.params[n] ?? start.tensors.get(n)!.data }]))
      yield* Effect.try({
        try: () => {
          if (config.prefix === "merged") {
            writeModelFiles(outModel, cfg, host([...start.tensors.keys()]))
            saveTokenizer(tokenizer, outModel)
            return
          }
          // the delta: tuned tensors plus whatever an input delta had already replaced
          const earlier = new Set<string>()
          for (const a of folder.adapters) {
            if (a.type !== "delta") continue
            for (const n of readSafetensorsHeader(join(modelDir, a.file)).entries.keys()) earlier.add(n)
          }
          const deltaNames = [...new Set([...layerNames, ...earlier])]
          const keepPrefix = prefixRef !== undefined && prefixRef.type === "prefix"
          // LoRA adapters stay as they are (the new delta's values include their merge, so it applies
          // after them); a frozen prefix is copied; earlier deltas live on inside the new one
          const carried = carryAdapters(
            modelDir,
            folder.adapters.filter((a) => a.type === "lora" || (a.type === "prefix" && config.prefix === "frozen")),
            outModel
          )
          writeAdapterModel(outModel, folder.baseDir, {
            ...(keepPrefix && config.prefix === "train"
              ? { prefix: { tensors: host(prefixNames), preSeqLen: prefixRef.pre_seq_len, prefixProjection: prefixRef.prefix_projection } }
              : {}),
            delta: host(deltaNames),
            carried
          })
        },
        catch: (e) => new PermanentError({ message: `writing the tuned model: ${errorMessage(e)}` })
      })
      const summary = summarize(result, {
        trainExamples: data.train.length,
        validationExamples: data.validation.length,
        trainableParams: trainable.reduce((a, n) => a + start.tensors.get(n)!.data.length, 0),
        truncation: data.truncation
      })
      yield* saveTrainingState(ctx.outDir, result.state)
      yield* recordMetrics(ctx, summary, result.learning)
      yield* ctx.metric("trainable_tensors", trainable.length)
      return { model: "model", arch: cfg.zaoji_arch, method: "freeze" as const, training: summary, ...(result.learning ? { learning: result.learning } : {}) }
    })
})
