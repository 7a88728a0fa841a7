/**
 * `ptuning-v2.train`: P-Tuning v2 on QA pairs. The base model is frozen (no gradient, no optimizer
 * state); only the prefix encoder trains. The artifact is a model folder holding just the prefix
 * (`prefix_encoder.safetensors`, official `transformer.prefix_encoder.*` names) and a
 * `zaoji-model.json` naming the base, so loading it gives base + prefix.
 *
 * A base that already carries a prefix gets it replaced (same shape: training continues from it);
 * a base carrying a freeze delta keeps it (the delta file is carried over, frozen).
 */
import { Schema } from "effect"
import { PosInt, Stage } from "@zaoji/core"
import type { DatasetFile } from "@zaoji/data"
import { ModelArtifact } from "@zaoji/glm-runtime/artifact"
import { continueFromRule, fineTuningFields } from "@zaoji/fine-tuning"

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
  // the run (tfjs, models, the training loop) is loaded when the stage runs, not when a workflow is planned
  run: Stage.lazyRun(() => import("./train.js"))
})
