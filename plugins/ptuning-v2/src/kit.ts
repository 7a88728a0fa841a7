/** @zaoji/ptuning-v2/kit: the prefix helpers (load tfjs), with the package entry. */
export * from "./index.js"
export { withPrefix, prefixTensorShapes, prefixTensorNames } from "./prefixConfig.js"
export type { PrefixSettings } from "./prefixConfig.js"
export { prefixFromActivations, prefixFromModelFolder } from "./prefixInit.js"
export type { PrefixSource } from "./prefixInit.js"
