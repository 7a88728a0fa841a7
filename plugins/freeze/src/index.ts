export { freezeTrainable, FreezeSelectionError } from "./select.js"
export type { FreezeSelection } from "./select.js"
export { exportModel } from "./export.js"
export { train, FreezeConfig, PrefixHandling } from "./stage.js"
