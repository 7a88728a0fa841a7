/**
 * `lora.train`: LoRA (low-rank adaptation) of chosen layer linears on QA pairs. The base and any
 * adapter of the input model (a stage-1 P-Tuning v2 prefix, a freeze delta, an earlier LoRA) stay
 * frozen; only the A and B matrices train: y = W x + (α/r)·B A dropout(x).
 *
 * The artifact's model folder holds the input's adapters, the new adapter as PEFT saves it
 * (`adapter_model.safetensors` with PEFT's tensor names, `adapter_config.json`) and
 * `zaoji-model.json` naming the base. With `merge: true` the model folder is instead standalone
 * (config, the adapters merged into the weights, tokenizer) and the PEFT adapter folder sits
 * beside it as `adapter/`.
 */
import { rmSync } from "node:fs"
import { join } from "node:path"
import { Effect, Schema } from "effect"
import { InputError, PermanentError, Stage, errorMessage, PosInt } from "@zaoji/core"
import { writeSafetensors } from "@zaoji/tensor"
import {
  effectiveConfig,
  LORA_MODULES,
  LoraSelectionError,
  loadModelFolder,
  loraWeightShapes,
  ModelArtifact,
  saveModelFolder,
  saveTokenizer,
  type GlmConfig
} from "@zaoji/glm-runtime"
import {
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
  tuningInputs
} from "@zaoji/fine-tuning/kit"
import { writeLoraModel } from "./folder.js"
import { initialAdapter, loraSettings } from "./settings.js"

export const LoraConfig = Schema.Struct({
  rank: Schema.optionalWith(PosInt, { default: () => 8 }).annotations({ description: "r: the rank of A [r, in] and B [out, r]" }),
  alpha: Schema.optionalWith(Schema.Number.pipe(Schema.positive()), { default: () => 16 }).annotations({
    description: "α: the update is scaled by α / r (α / √r with rslora)"
  }),
  dropout: Schema.optionalWith(Schema.Number.pipe(Schema.greaterThanOrEqualTo(0), Schema.lessThan(1)), { default: () => 0 }).annotations({
    description: "dropout on the adapter's input while training (0: off, exact)"
  }),
  targetModules: Schema.optionalWith(Schema.NonEmptyArray(Schema.Literal(...LORA_MODULES)), {
    default: () => ["query_key_value"] as [(typeof LORA_MODULES)[number]]
  }).annotations({ description: "linears to adapt in each selected layer (PEFT's target_modules)" }),
  layers: Schema.optional(Schema.NonEmptyArray(Schema.Int.pipe(Schema.nonNegative()))).annotations({
    description: "layer indices to adapt (PEFT's layers_to_transform); absent = every layer"
  }),
  rslora: Schema.optionalWith(Schema.Boolean, { default: () => false }).annotations({ description: "scale by α / √r (rank-stabilised LoRA)" }),
  merge: Schema.optionalWith(Schema.Boolean, { default: () => false }).annotations({
    description: "write a standalone model with the adapter merged (W + α/r·B A) instead of base + adapter"
  }),
  ...fineTuningFields({ learningRate: 2e-4 })
})
export type LoraConfig = typeof LoraConfig.Type

const INIT_FILE = ".lora-init.safetensors"

const configField = (e: LoraSelectionError): string => (e.field === "target_modules" ? "targetModules" : "layers")

export const train = Stage.make({
  name: "lora.train",
  version: "1",
  config: LoraConfig,
  output: ModelArtifact,
  inputs: tuningInputs,
  artifactRefs: { continueFrom: continueFromRule("model") },
  compute: true,
  run: ({ config, inputs, ctx }) =>
    Effect.gen(function* () {
      const modelDir = join(inputs.model.dir, inputs.model.value.model)
      const { folder, baseConfig } = yield* openInputModel(modelDir, `${ctx.stageId}.inputs.model`)
      const settings = loraSettings(config)
      // the input's own config (a stage-1 prefix included) plus the unmerged adapter being trained
      const cfg: GlmConfig = { ...effectiveConfig(baseConfig, folder.adapters), zaoji_lora: settings }
      const shapes = yield* Effect.try({
        try: () => loraWeightShapes(cfg),
        catch: (e) =>
          e instanceof LoraSelectionError
            ? new InputError({ location: `${ctx.stageId}.config.${configField(e)}`, message: e.message })
            : new InputError({ location: `${ctx.stageId}.config`, message: String(e) })
      })
      const trainable = Object.keys(shapes)
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
      // PEFT's starting A and B reach every worker thread as a weight file
      const initFile = join(ctx.outDir, INIT_FILE)
      yield* Effect.try({
        try: () => writeSafetensors(initFile, initialAdapter(cfg, config.seed)),
        catch: (e) => new PermanentError({ message: `writing the initial adapter: ${errorMessage(e)}` })
      })
      const continued = yield* continuedState(inputs.continueFrom, ctx.stageId)
      const result = yield* runTraining({
        ctx,
        config: cfg,
        program: { modelDir, config: cfg, weightFiles: [initFile], trainable },
        padId: tokenizer.special.pad,
        train: data.train,
        validation: data.validation,
        settings: config,
        ...(continued ? { continueFrom: continued } : {})
      }).pipe(Effect.ensuring(Effect.sync(() => rmSync(initFile, { force: true }))))

      const tensors = new Map(trainable.map((n) => [n, { shape: shapes[n]!, data: result.params[n]! }]))
      const outModel = join(ctx.outDir, "model")
      yield* Effect.try({
        try: () => {
          const adapterDir = config.merge ? join(ctx.outDir, "adapter") : outModel
          writeLoraModel({ outDir: adapterDir, inputDir: modelDir, baseDir: folder.baseDir, inputAdapters: folder.adapters, settings, tensors })
          if (!config.merge) return
          const merged = loadModelFolder(adapterDir, { prepare: false })
          try {
            saveModelFolder(outModel, merged.model.config, merged.model.weights)
            saveTokenizer(tokenizer, outModel)
          } finally {
            merged.model.dispose()
          }
        },
        catch: (e) => new PermanentError({ message: `writing the tuned model: ${errorMessage(e)}` })
      })
      const summary = summarize(result, {
        trainExamples: data.train.length,
        validationExamples: data.validation.length,
        trainableParams: trainable.reduce((a, n) => a + tensors.get(n)!.data.length, 0),
        truncation: data.truncation
      })
      yield* saveTrainingState(ctx.outDir, result.state)
      yield* recordMetrics(ctx, summary, result.learning)
      yield* ctx.metric("trainable_tensors", trainable.length)
      return { model: "model", arch: cfg.zaoji_arch, method: "lora" as const, training: summary, ...(result.learning ? { learning: result.learning } : {}) }
    })
})
