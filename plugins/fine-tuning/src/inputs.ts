/**
 * The inputs of the tuning stages that start from a model (freeze.train, lora.train): the model to
 * tune, the QA data, an optional validation set, and the finished run a `continueFrom` setting
 * names (the engine resolves that setting to an artifact and hands it over as this input).
 */
import { Stage } from "@zaoji/core"
import type { DatasetFile } from "@zaoji/data"
import type { ModelArtifact } from "@zaoji/glm-runtime"

export interface TuningInputs {
  readonly model: ModelArtifact
  readonly data: DatasetFile
  readonly validation: DatasetFile | undefined
  readonly continueFrom: ModelArtifact | undefined
}

export const tuningInputs = Stage.inputsWithOptional<{
  model: ModelArtifact
  data: DatasetFile
  validation: DatasetFile | undefined
  continueFrom: ModelArtifact | undefined
}>(["model", "data", "validation", "continueFrom"], ["validation", "continueFrom"])
