/** `freeze.train`'s run (the definition, with what each setting means, is in stage.ts). */
import { join } from "node:path"
import { Effect } from "effect"
import { InputError, PermanentError, errorMessage, type Stage } from "@zaoji/core"
import { readSafetensorsHeader } from "@zaoji/tensor"
import { effectiveConfig, isPrefixTensor, saveTokenizer } from "@zaoji/glm-runtime"
import {
  carryAdapters,
  continuedState,
  loadStartingTensors,
  openInputModel,
  recordMetrics,
  runTraining,
  saveTrainingState,
  summarize,
  supervisedFromInputs,
  tokenizerOfModel,
  writeAdapterModel,
  writeModelFiles,
  type TuningInputs
} from "@zaoji/fine-tuning/kit"
import { FreezeSelectionError, freezeTrainable } from "./select.js"
import type { FreezeConfig } from "./stage.js"

const inputError = (location: string) => (e: unknown) =>
  new InputError({ message: errorMessage(e), location })

export const run = ({ config, inputs, ctx }: Stage.RunArgs<FreezeConfig, TuningInputs>) =>
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
      settings: config
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
