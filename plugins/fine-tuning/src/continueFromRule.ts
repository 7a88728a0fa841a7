/**
 * What `continueFrom` must name (see continueFrom.ts): part of a tuning stage's definition, so it
 * stays apart from the loading and saving of training states, which need the training library.
 */
import { join } from "node:path"
import type { Stage } from "@zaoji/core"

/** the folder of an artifact holding its final training state */
export const TRAINING_STATE_DIR = "training-state"
/** the state's metadata, written last: a folder without it is no state */
export const TRAINING_STATE_META = "meta.json"

/** What `continueFrom` must name: an artifact of the same stage type built on the same model input. */
export const continueFromRule = (modelInput: string): Stage.ArtifactRefRule => ({
  sameInputs: [modelInput],
  files: [join(TRAINING_STATE_DIR, TRAINING_STATE_META)],
  missingFiles: "it holds no saved training state (AdamW moments and step): it was made before states were saved; run that stage again (--force) to continue from it"
})
