/**
 * Number schemas every stage config uses, defined once so a count means the same everywhere
 * (and the same decode message names it).
 */
import { Schema } from "effect"

/** a count of at least 1: epochs, batch sizes, limits */
export const PosInt = Schema.Int.pipe(Schema.positive())

/** a count that may be 0: shots, warm-up steps, seeds' offsets */
export const NonNegInt = Schema.Int.pipe(Schema.nonNegative())
