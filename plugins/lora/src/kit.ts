/** @zaoji/lora/kit: the adapter helpers (load tfjs), with the package entry. */
export * from "./index.js"
export { initialAdapter, loraSettings } from "./settings.js"
export type { LoraModule, LoraOptions } from "./settings.js"
export { writeLoraModel } from "./folder.js"
