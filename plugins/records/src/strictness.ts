/** What the residual scan does with a hit: mask it, or reject the whole record (`deid.strictness`). */
export const Strictnesses = ["mask", "reject"] as const
export type Strictness = (typeof Strictnesses)[number]
export const defaultStrictness: Strictness = "reject"
