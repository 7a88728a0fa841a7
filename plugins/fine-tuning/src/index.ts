/**
 * @zaoji/fine-tuning: what every GLM training stage shares — the settings (one Schema), the GLM
 * training program, running it inside a stage (workers, memory check, progress, metrics),
 * supervised QA data, writing adapter model folders, continuing a finished run — and the
 * `glm.pretrain` stage, which trains (or imports) the base model with the same kit.
 *
 * This entry is what a workflow imports: the stage's definition and the settings the tuning stages'
 * definitions share, loading no tensor code. The kit the stages run with (the training program,
 * training runs, supervised data, adapter folders, training states) is `@zaoji/fine-tuning/kit`.
 */
import { pretrain } from "./pretrain/stage.js"

export const FineTuning = { pretrain } as const

export { PretrainConfig } from "./pretrain/stage.js"
export type { CorpusInput } from "./pretrain/stage.js"
export { fineTuningFields, supervisedFields, continueFromField } from "./settings.js"
export type { FineTuningSettings } from "./settings.js"
export { tuningInputs } from "./inputs.js"
export type { TuningInputs } from "./inputs.js"
export { continueFromRule, TRAINING_STATE_DIR } from "./continueFromRule.js"
