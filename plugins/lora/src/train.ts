/** `lora.train`'s run (the definition, with what each setting means, is in stage.ts). */
import { rmSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { InputError, PermanentError, errorMessage, type Stage } from "@zaoji/core"
import { writeSafetensors } from "@zaoji/tensor"
import { effectiveConfig, LoraSelectionError, loadModelFolder, loraWeightShapes, saveModelFolder, saveTokenizer, type GlmConfig } from "@zaoji/glm-runtime"
import {
  continuedState,
  openInputModel,
  recordMetrics,
  runTraining,
  saveTrainingState,
  summarize,
  supervisedFromInputs,
  tokenizerOfModel,
  type TuningInputs
} from "@zaoji/fine-tuning/kit"
import { writeLoraModel } from "./folder.js"
import { initialAdapter, loraSettings } from "./settings.js"
import type { LoraConfig } from "./stage.js"

const INIT_FILE = ".lora-init.safetensors"

const configField = (e: LoraSelectionError): string => (e.field === "target_modules" ? "targetModules" : "layers")

export const run = ({ config, inputs, ctx }: Stage.RunArgs<LoraConfig, TuningInputs>) =>
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
      settings: config
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
