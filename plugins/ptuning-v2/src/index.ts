export { withPrefix, prefixTensorShapes, prefixTensorNames } from "./prefixConfig.js"
export type { PrefixSettings } from "./prefixConfig.js"
export { train, PTuningConfig } from "./stage.js"
