/**
 * The leakage check's policy as a workflow writes it (`leakage` of `metrics.compare`): part of the
 * stage's config, so apart from the check itself (./check.ts), which only the stage's run loads.
 */
import { Schema } from "effect"

export const LeakageConfig = Schema.Struct({
  /**
   * the largest share of a set's items that may overlap one model's training data (per set and
   * model, normalised matches); 0 (the default): any overlapping item is leakage
   */
  maxFraction: Schema.optionalWith(Schema.Number.pipe(Schema.between(0, 1)), { default: () => 0 }),
  /** "fail" (default): leakage beyond maxFraction fails the stage; "flag": it is only reported */
  mode: Schema.optionalWith(Schema.Literal("fail", "flag"), { default: () => "fail" as const }),
  /** how many overlapping items each set × model lists */
  examples: Schema.optionalWith(Schema.Int.pipe(Schema.between(0, 50)), { default: () => 3 })
})
export type LeakageConfig = typeof LeakageConfig.Type
/** the policy when a workflow writes no `leakage`: each field's default above, stated once there */
export const LEAKAGE_DEFAULTS: LeakageConfig = Schema.decodeUnknownSync(LeakageConfig)({})
