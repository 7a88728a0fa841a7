/**
 * `glm.pretrain`: a small base model trained from scratch on a text corpus — first the trainable
 * tokenizer on the corpus, then causal-LM training of the chosen preset (every tensor trainable).
 * Resumable like the other training stages (the tokenizer and initial weights are deterministic
 * and rebuilt; the checkpoint carries the trained state).
 */
import { join } from "node:path"
import { Schema } from "effect"
import { Stage, PosInt } from "@zaoji/core"
import { ModelArtifact } from "@zaoji/glm-runtime/artifact"
import { baseWeightsFile } from "@zaoji/glm-runtime/files"
import { stepsSetting, trainingFields } from "@zaoji/training/settings"

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

/**
 * the files of an imported base that identify it (for the cache key): the config and, when the
 * weights are sharded, the shard index (whose tensor → shard map changes with the checkpoint)
 */
export const importKeyFiles = (from: string): ReadonlyArray<string> => {
  const weights = baseWeightsFile(from)
  return [join(from, "config.json"), ...(weights?.endsWith(".index.json") ? [weights] : [])]
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
  // the run (tfjs, the tokenizer, the training loop) is loaded when the stage runs, not when a workflow is planned
  run: Stage.lazyRun(() => import("./run.js"))
})
