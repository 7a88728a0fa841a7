/**
 * `glm.pretrain`: a small base model trained from scratch on a text corpus — first the trainable
 * tokenizer on the corpus, then causal-LM training of the chosen preset (every tensor trainable).
 * Resumable like the other training stages (the tokenizer and initial weights are deterministic
 * and rebuilt; the checkpoint carries the trained state).
 */
import { join } from "node:path"
import { Effect, Schema } from "effect"
import { InputError, PermanentError, Stage, errorMessage, PosInt } from "@zaoji/core"
import { baseWeightShapes, ModelArtifact } from "@zaoji/glm-runtime"
import { stepsSetting, trainingFields } from "@zaoji/training"
import { importKeyFiles, importModel } from "./importModel.js"
import { initBaseModel, writeModelFiles } from "./baseModel.js"
import { corpusBlocks, readCorpus } from "./corpus.js"
import { recordMetrics, runTraining, summarize } from "../run.js"
import { holdOut } from "../supervised.js"

export const PretrainConfig = Schema.Struct({
  from: Schema.optional(Schema.NonEmptyString).annotations({
    description: "an existing model folder (e.g. a real ChatGLM3-6B checkpoint) to use as the base instead of training one"
  }),
  preset: Schema.optionalWith(Schema.Literal("micro", "tiny", "small"), { default: () => "tiny" as const }).annotations({ description: "model size of the base trained here" }),
  arch: Schema.optionalWith(Schema.Literal("glm1", "glm2"), { default: () => "glm1" as const }).annotations({ description: "ChatGLM-6B (glm1) or ChatGLM2/3-6B (glm2) architecture" }),
  chatFormat: Schema.optional(Schema.Literal("glm1", "glm2", "glm3")).annotations({
    description: "chat format recorded in the tokenizer (default: glm1 for glm1, glm2 for glm2)"
  }),
  vocabSize: Schema.optional(PosInt).annotations({ description: "tokenizer vocabulary (default: the preset's)" }),
  blockLength: Schema.optionalWith(PosInt, { default: () => 64 }).annotations({ description: "ids per training block" }),
  ...trainingFields({ learningRate: 3e-3, warmupSteps: 20, schedule: "cosine" }),
  steps: stepsSetting.withDefault(300)
})
export type PretrainConfig = typeof PretrainConfig.Type

/** Any dataset-producing stage's output: a JSON Lines file in its artifact folder. */
export interface CorpusInput {
  readonly file: string
}

export const pretrain = Stage.make({
  // the name predates the fine-tuning package: kept, because it is part of every cache key built on a base
  name: "glm.pretrain",
  // 2: the artifact and the manifest metrics carry the learning verdict
  version: "2",
  config: PretrainConfig,
  output: ModelArtifact,
  inputs: Stage.inputs<{ corpus: CorpusInput }>("corpus"),
  compute: true,
  files: (c) => (c.from !== undefined ? importKeyFiles(c.from) : []),
  run: ({ config, inputs, ctx }) =>
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
})
