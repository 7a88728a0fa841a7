/**
 * `glm.pretrain`: a small base model trained from scratch on a text corpus — first the trainable
 * tokenizer on the corpus, then causal-LM training of the chosen preset (every tensor trainable).
 * Resumable like the other training stages (the tokenizer and initial weights are deterministic
 * and rebuilt; the checkpoint carries the trained state).
 */
import { join } from "node:path"
import { Effect, Schema } from "effect"
import { InputError, PermanentError, Stage } from "@zaoji/core"
import { baseWeightShapes } from "../model/names.js"
import { ModelArtifact } from "./artifact.js"
import { importKeyFiles, importModel } from "./importModel.js"
import { initBaseModel, writeModelFiles } from "./baseModel.js"
import { corpusBlocks, readCorpus } from "./corpus.js"
import { trainingOptionFields } from "./options.js"
import { recordMetrics, runTraining, summarize } from "./run.js"
import { holdOut } from "./supervised.js"

const PosInt = Schema.Int.pipe(Schema.positive())

export const PretrainConfig = Schema.Struct({
  /** an existing model folder (e.g. a real ChatGLM3-6B checkpoint) to use as the base instead of training one */
  from: Schema.optional(Schema.NonEmptyString),
  preset: Schema.optionalWith(Schema.Literal("micro", "tiny", "small"), { default: () => "tiny" as const }),
  arch: Schema.optionalWith(Schema.Literal("glm1", "glm2"), { default: () => "glm1" as const }),
  /** chat format recorded in the tokenizer (default: glm1 for glm1, glm2 for glm2) */
  chatFormat: Schema.optional(Schema.Literal("glm1", "glm2", "glm3")),
  vocabSize: Schema.optional(PosInt),
  /** ids per training block */
  blockLength: Schema.optionalWith(PosInt, { default: () => 64 }),
  learningRate: Schema.optionalWith(Schema.Number.pipe(Schema.positive()), { default: () => 3e-3 }),
  ...trainingOptionFields,
  steps: Schema.optionalWith(PosInt, { default: () => 300 }),
  warmupSteps: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 20 }),
  schedule: Schema.optionalWith(Schema.Literal("constant", "linear", "cosine"), { default: () => "cosine" as const })
})
export type PretrainConfig = typeof PretrainConfig.Type

/** Any dataset-producing stage's output: a JSON Lines file in its artifact folder. */
export interface CorpusInput {
  readonly file: string
}

export const pretrain = Stage.make({
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
        catch: (e) => new InputError({ location: `${ctx.stageId}.config`, message: e instanceof Error ? e.message : String(e) })
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
        options: config
      })
      yield* Effect.try({
        try: () => writeModelFiles(outModel, cfg, new Map(trainable.map((n) => [n, { shape: shapes[n]!, data: result.params[n]! }]))),
        catch: (e) => new PermanentError({ message: `writing the model: ${e instanceof Error ? e.message : String(e)}` })
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
