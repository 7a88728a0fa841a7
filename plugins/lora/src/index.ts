export { train, LoraConfig } from "./stage.js"
export { initialAdapter, loraSettings } from "./settings.js"
export type { LoraModule, LoraOptions } from "./settings.js"
export { writeLoraModel } from "./folder.js"
