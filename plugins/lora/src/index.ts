/**
 * @zaoji/lora: LoRA tuning (`lora.train`). This entry is what a workflow imports (the stage's
 * definition; its run loads when it runs); `@zaoji/lora/kit` adds the adapter helpers.
 */
import { train } from "./stage.js"

/** the stages of this plugin: `w.stage("medglm-h", Lora.train, { rank: 8 }, { model, data })` */
export const Lora = { train } as const
export { LoraConfig } from "./stage.js"
