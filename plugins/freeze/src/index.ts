/**
 * @zaoji/freeze: tune the last N layers of a model (`freeze.train`). This entry is what a workflow
 * imports (the stage's definition; its run loads when it runs); `@zaoji/freeze/kit` adds the layer
 * selection and the export of a standalone model.
 */
import { train } from "./stage.js"

/** the stages of this plugin: `w.stage("medglm-h", Freeze.train, { trainableLayers: 5 }, { model, data })` */
export const Freeze = { train } as const
export { FreezeConfig, PrefixHandling } from "./stage.js"
