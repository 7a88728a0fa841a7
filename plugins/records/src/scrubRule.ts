/** A numeric-scrubbing rule as a workflow writes it (`scrub.rules`); ./scrub.ts applies them. */
import { Schema } from "effect"

export const ScrubRule = Schema.Struct({
  kind: Schema.String,
  /** a JavaScript regular expression source (flags "gu" are applied) */
  pattern: Schema.String,
  /** replacement text; $1… refer to groups */
  replace: Schema.String
})
export type ScrubRule = typeof ScrubRule.Type
