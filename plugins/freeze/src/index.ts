export { freezeTrainable, FreezeSelectionError } from "./select.js"
export type { FreezeSelection } from "./select.js"
export { exportModel } from "./export.js"
import { train } from "./stage.js"

/** the stages of this plugin: `w.stage("medglm-h", Freeze.train, { trainableLayers: 5 }, { model, data })` */
export const Freeze = { train } as const
export { FreezeConfig, PrefixHandling } from "./stage.js"
