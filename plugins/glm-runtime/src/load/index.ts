export * from "./effect.js"
export * from "./folder.js"
export * from "./manifest.js"
export * from "./lora.js"
