export { withPrefix, prefixTensorShapes, prefixTensorNames } from "./prefixConfig.js"
export type { PrefixSettings } from "./prefixConfig.js"
import { train } from "./stage.js"

/** the stages of this plugin: `w.stage("medglm-general", PTuningV2.train, { preSeqLen: 16 }, { base, data })` */
export const PTuningV2 = { train } as const
export { PTuningConfig } from "./stage.js"
export { prefixFromActivations, prefixFromModelFolder } from "./prefixInit.js"
export type { PrefixSource } from "./prefixInit.js"
