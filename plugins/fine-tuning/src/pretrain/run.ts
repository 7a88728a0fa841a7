/** `glm.pretrain`'s run: import a base model, or train one on a corpus (the definition is in stage.ts). */
import { join } from "node:path"
import { Effect } from "effect"
import { InputError, PermanentError, errorMessage, type Stage } from "@zaoji/core"
import { baseWeightShapes } from "@zaoji/glm-runtime"
import { importModel } from "./importModel.js"
import { initBaseModel, writeModelFiles } from "./baseModel.js"
import { corpusBlocks, readCorpus } from "./corpus.js"
import { recordMetrics, runTraining, summarize } from "../run.js"
import { holdOut } from "../supervised.js"
import type { CorpusInput, PretrainConfig } from "./stage.js"

export const run = ({ config, inputs, ctx }: Stage.RunArgs<PretrainConfig, { corpus: CorpusInput }>) =>
  Effect.gen(function* () {
    if (config.from !== undefined) return yield* importModel(config.from, ctx)
    const corpusFile = join(inputs.corpus.dir, inputs.corpus.value.file)
    const docs = yield* Effect.try({
      try: () => readCorpus(corpusFile),
      catch: (e) => (e instanceof InputError ? e : new InputError({ location: corpusFile, message: String(e) }))
    })
    if (docs.length === 0) return yield* Effect.fail(new InputError({ location: corpusFile, message: "the corpus has no text: expected JSON Lines rows with string fields" }))
    const outModel = join(ctx.outDir, "model")
    const { config: cfg, tokenizer } = yield* Effect.try({
      try: () => initBaseModel(outModel, docs, { preset: config.preset, arch: config.arch, chatFormat: config.chatFormat, vocabSize: config.vocabSize, seed: config.seed }),
      catch: (e) => new InputError({ location: `${ctx.stageId}.config`, message: errorMessage(e) })
    })
    const blocks = corpusBlocks(tokenizer, docs, Math.min(config.blockLength, cfg.zaoji_arch === "glm1" ? cfg.max_sequence_length : cfg.seq_length), config.seed)
    const split = holdOut(blocks, config.validationRatio, config.seed)
    yield* ctx.log("info", "corpus", { documents: docs.length, blocks: blocks.length, vocab: tokenizer.vocabSize })
    const shapes = baseWeightShapes(cfg)
    const trainable = Object.keys(shapes)
    const result = yield* runTraining({
      ctx,
      config: cfg,
      program: { modelDir: outModel, trainable },
      padId: tokenizer.special.pad,
      train: split.train,
      validation: split.validation,
      settings: config
    })
    yield* Effect.try({
      try: () => writeModelFiles(outModel, cfg, new Map(trainable.map((n) => [n, { shape: shapes[n]!, data: result.params[n]! }]))),
      catch: (e) => new PermanentError({ message: `writing the model: ${errorMessage(e)}` })
    })
    const summary = summarize(result, {
      trainExamples: split.train.length,
      validationExamples: split.validation.length,
      trainableParams: trainable.reduce((a, n) => a + shapes[n]!.reduce((x, y) => x * y, 1), 0),
      truncation: undefined
    })
    yield* recordMetrics(ctx, summary, result.learning)
    yield* ctx.metric("vocab_size", tokenizer.vocabSize)
    return { model: "model", arch: cfg.zaoji_arch, method: "pretrain" as const, training: summary, ...(result.learning ? { learning: result.learning } : {}) }
  })
