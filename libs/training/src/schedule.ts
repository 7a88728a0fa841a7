import { Schema } from "effect"

/**
 * Learning-rate schedules with linear warmup, as the HF `get_*_schedule_with_warmup` functions
 * define them: during warmup lr grows linearly from 0; afterwards constant, linear decay to 0, or a
 * half cosine to 0, over the remaining steps. `step` counts optimizer updates from 0.
 */
export const LrScheduleKind = Schema.Literal("constant", "linear", "cosine")
export type LrScheduleKind = typeof LrScheduleKind.Type

export interface LrSchedule {
  readonly kind: LrScheduleKind
  readonly lr: number
  readonly warmupSteps: number
  readonly totalSteps: number
}

export const lrAt = (s: LrSchedule, step: number): number => {
  if (s.warmupSteps > 0 && step < s.warmupSteps) return (s.lr * step) / s.warmupSteps
  if (s.kind === "constant") return s.lr
  const decaySteps = Math.max(1, s.totalSteps - s.warmupSteps)
  const progress = Math.min(1, Math.max(0, (step - s.warmupSteps) / decaySteps))
  if (s.kind === "linear") return s.lr * (1 - progress)
  return s.lr * 0.5 * (1 + Math.cos(Math.PI * progress))
}
