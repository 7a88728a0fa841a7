import { train } from "./stage.js"

/** the stages of this plugin: `w.stage("medglm-h", Lora.train, { rank: 8 }, { model, data })` */
export const Lora = { train } as const
export { LoraConfig } from "./stage.js"
export { initialAdapter, loraSettings } from "./settings.js"
export type { LoraModule, LoraOptions } from "./settings.js"
export { writeLoraModel } from "./folder.js"
