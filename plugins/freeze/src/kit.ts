/** @zaoji/freeze/kit: the layer selection and the export of a standalone model (load tfjs), with the package entry. */
export * from "./index.js"
export { freezeTrainable, FreezeSelectionError } from "./select.js"
export type { FreezeSelection } from "./select.js"
export { exportModel } from "./export.js"
