/**
 * @zaoji/ptuning-v2: P-Tuning v2 (`ptuning-v2.train`). This entry is what a workflow imports (the
 * stage's definition; its run loads when it runs); `@zaoji/ptuning-v2/kit` adds the prefix helpers.
 */
import { train } from "./stage.js"

/** the stages of this plugin: `w.stage("medglm-general", PTuningV2.train, { preSeqLen: 16 }, { base, data })` */
export const PTuningV2 = { train } as const
export { PTuningConfig } from "./stage.js"
