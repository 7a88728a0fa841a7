/**
 * Did a training run learn? The mean loss of the first window of steps against the mean of the last
 * window, with a margin for the step-to-step noise of the loss (every step sees other examples, so a
 * flat run still wobbles). A run is "learning" when the last window sits below the first by more
 * than `z` standard errors of the difference of the two means *and* by more than a small relative
 * drop (an exactly repeated batch has no noise, and a drop of a thousandth of the loss is not
 * learning anything a user would want).
 *
 * The standard errors treat the steps of a window as independent draws; consecutive steps of a
 * shuffled epoch are close to that, and the margin only has to separate "flat" from "falling".
 */

export type LearningVerdictKind = "learning" | "not-learning"

export interface LearningVerdict {
  readonly verdict: LearningVerdictKind
  /** mean loss of the first `window` steps */
  readonly firstWindowLoss: number
  /** mean loss of the last `window` steps */
  readonly lastWindowLoss: number
  /** steps per window */
  readonly window: number
  /** one sentence saying what was compared and why the verdict is what it is */
  readonly note: string
}

export interface LearningVerdictOptions {
  /** share of the steps in each window (default 0.1) */
  readonly windowFraction?: number
  /** smallest window (default 3 steps): fewer steps give no usable noise estimate */
  readonly minWindow?: number
  /** standard errors the drop must exceed (default 2, about a one-sided 98% level) */
  readonly z?: number
  /** relative drop the last window must exceed as well (default 0.001 = 0.1% of the first window) */
  readonly minRelativeDrop?: number
}

const mean = (xs: ReadonlyArray<number>): number => xs.reduce((a, x) => a + x, 0) / xs.length

/** sample variance (n − 1); 0 for a single value */
const variance = (xs: ReadonlyArray<number>): number => {
  if (xs.length < 2) return 0
  const m = mean(xs)
  return xs.reduce((a, x) => a + (x - m) * (x - m), 0) / (xs.length - 1)
}

const f = (x: number): string => (Number.isFinite(x) ? x.toFixed(4) : String(x))

/** Steps per window for a curve of `steps` losses (undefined: too short to judge). */
export const learningWindow = (steps: number, options: LearningVerdictOptions = {}): number | undefined => {
  const minWindow = options.minWindow ?? 3
  const w = Math.max(minWindow, Math.floor(steps * (options.windowFraction ?? 0.1)))
  return steps >= 2 * w ? w : undefined
}

/**
 * The verdict on a loss curve (one loss per optimizer step, in step order). Steps without a loss
 * target (NaN loss with no targets) are left out by the caller; a non-finite loss that remains means
 * the run diverged and is "not-learning". Undefined when the curve is shorter than two windows.
 */
export const learningVerdict = (losses: ReadonlyArray<number>, options: LearningVerdictOptions = {}): LearningVerdict | undefined => {
  const window = learningWindow(losses.length, options)
  if (window === undefined) return undefined
  const z = options.z ?? 2
  const minRelativeDrop = options.minRelativeDrop ?? 1e-3
  const first = losses.slice(0, window)
  const last = losses.slice(losses.length - window)
  const span = `first ${window} vs last ${window} of ${losses.length} steps`
  const diverged = losses.filter((x) => !Number.isFinite(x)).length
  if (diverged > 0) {
    // the means stay JSON numbers (manifests are JSON): over the finite losses of a window, or the
    // largest float when a window has none
    const finiteMean = (xs: ReadonlyArray<number>) => {
      const ok = xs.filter(Number.isFinite)
      return ok.length > 0 ? mean(ok) : Number.MAX_VALUE
    }
    const firstWindowLoss = finiteMean(first)
    const lastWindowLoss = finiteMean(last)
    return {
      verdict: "not-learning",
      firstWindowLoss,
      lastWindowLoss,
      window,
      note: `${diverged} of ${losses.length} steps had a non-finite loss: the run diverged (${span}, finite losses: ${f(firstWindowLoss)} → ${f(lastWindowLoss)})`
    }
  }
  const firstWindowLoss = mean(first)
  const lastWindowLoss = mean(last)
  const drop = firstWindowLoss - lastWindowLoss
  const noise = z * Math.sqrt(variance(first) / window + variance(last) / window)
  const floor = minRelativeDrop * Math.abs(firstWindowLoss)
  const learning = drop > Math.max(noise, floor)
  const why = noise >= floor ? `${z} standard errors of the window means (${f(noise)})` : `${minRelativeDrop * 100}% of the first window's loss (${f(floor)})`
  const note = learning
    ? `the loss fell from ${f(firstWindowLoss)} to ${f(lastWindowLoss)} (${span}), by more than ${why}`
    : `the loss did not fall beyond noise: ${f(firstWindowLoss)} → ${f(lastWindowLoss)} (${span}; a fall must exceed ${why}); ` +
      "check the learning rate, the number of steps and that the trainable weights reach the loss"
  return { verdict: learning ? "learning" : "not-learning", firstWindowLoss, lastWindowLoss, window, note }
}
