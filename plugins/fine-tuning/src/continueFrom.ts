/**
 * Continuing a finished training. Every tuning stage saves its final training state (weights,
 * AdamW moments and step, the data cursor) in its artifact under `training-state/`; a later stage of
 * the same type that names it in `continueFrom` loads it and trains on: `steps`/`epochs` count what
 * it adds, and the learning-rate schedule spans every step from the first run's first, so a constant
 * schedule (after warm-up) gives exactly the weights of one longer run. The engine resolves the
 * setting before anything runs (see `artifactRefs` in @zaoji/core), refusing an artifact of another
 * stage type, one built on another model, or one without a saved state.
 */
import { mkdirSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { InputError, PermanentError, type Artifact, errorMessage } from "@zaoji/core"
import { writeFileAtomic } from "@zaoji/tensor"
import { decodeTrainingState, encodeTrainingState, type TrainingState } from "@zaoji/training"
import { TRAINING_STATE_DIR, TRAINING_STATE_META as META_FILE } from "./continueFromRule.js"

export { continueFromRule, TRAINING_STATE_DIR } from "./continueFromRule.js"

/** Write a finished run's state into `outDir/training-state/` (meta last: a folder without it is no state). */
export const saveTrainingState = (outDir: string, state: TrainingState): Effect.Effect<void, PermanentError> =>
  Effect.try({
    try: () => {
      const dir = join(outDir, TRAINING_STATE_DIR)
      mkdirSync(dir, { recursive: true })
      const { meta, blobs } = encodeTrainingState(state)
      for (const [name, bytes] of Object.entries(blobs)) writeFileAtomic(join(dir, name), [bytes])
      writeFileAtomic(join(dir, META_FILE), [Buffer.from(`${JSON.stringify(meta)}\n`)])
    },
    catch: (e) => new PermanentError({ message: `saving the training state: ${errorMessage(e)}`, cause: e })
  })

/** The saved state of the artifact a stage continues from (`location` names the setting in errors). */
export const loadTrainingState = (artifact: Artifact<unknown>, location: string): Effect.Effect<TrainingState, InputError> =>
  Effect.try({
    try: () => {
      const dir = join(artifact.dir, TRAINING_STATE_DIR)
      const meta = JSON.parse(readFileSync(join(dir, META_FILE), "utf8")) as unknown
      const blobs = Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith(".safetensors")).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]))
      return decodeTrainingState({ meta, blobs }, `the training state of artifact ${artifact.key}`)
    },
    catch: (e) => new InputError({ location, message: errorMessage(e) })
  })

/** `loadTrainingState` when the stage continues a run, else undefined. */
export const continuedState = (artifact: Artifact<unknown> | undefined, stageId: string): Effect.Effect<TrainingState | undefined, InputError> =>
  artifact === undefined ? Effect.succeed(undefined) : loadTrainingState(artifact, `${stageId}.config.continueFrom`)
