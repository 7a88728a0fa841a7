/**
 * Descriptive statistics and the cluster bootstrap used for the human ratings.
 *
 * Bootstrap 95% CI of a model's mean rating: ratings of the same question are correlated (same
 * difficulty, same raters), so the resampling unit is the question (or the conversation for the
 * dialogue ratings), not the single rating. Each of B replicates draws as many clusters as there are,
 * with replacement (seeded), and takes the mean of all ratings in the drawn clusters; the interval is
 * the 2.5% and 97.5% percentiles of the replicate means, with linear interpolation between order
 * statistics (R's quantile type 7 / numpy's default). Replicates without any rating are dropped.
 */
import { mulberry32 } from "./seededRandom.js"

export const mean = (xs: ReadonlyArray<number>): number =>
  xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length

/** sample standard deviation (n − 1); 0 for a single value */
export const sampleSd = (xs: ReadonlyArray<number>): number => {
  if (xs.length < 2) return 0
  const m = mean(xs)
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1))
}

/** quantile with linear interpolation (type 7) of an ascending-sorted array */
export const quantileSorted = (sorted: ReadonlyArray<number>, q: number): number => {
  if (sorted.length === 0) return Number.NaN
  const h = (sorted.length - 1) * q
  const lo = Math.floor(h)
  const hi = Math.ceil(h)
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!)
}

export interface BootstrapOptions {
  readonly resamples: number
  readonly seed: number
  readonly level?: number
}

/**
 * `clusters[c]` holds the values of cluster c (possibly empty). Returns the percentile interval of
 * the pooled mean, or null when there are no values at all.
 */
export const clusterBootstrapMeanCi = (
  clusters: ReadonlyArray<ReadonlyArray<number>>,
  options: BootstrapOptions
): readonly [number, number] | null => {
  const sums = clusters.map((c) => c.reduce((a, b) => a + b, 0))
  const counts = clusters.map((c) => c.length)
  if (counts.reduce((a, b) => a + b, 0) === 0) return null
  const random = mulberry32(options.seed)
  const replicates: Array<number> = []
  const m = clusters.length
  for (let b = 0; b < options.resamples; b++) {
    let s = 0
    let n = 0
    for (let i = 0; i < m; i++) {
      const c = Math.floor(random() * m)
      s += sums[c]!
      n += counts[c]!
    }
    if (n > 0) replicates.push(s / n)
  }
  replicates.sort((a, b) => a - b)
  const alpha = 1 - (options.level ?? 0.95)
  return [quantileSorted(replicates, alpha / 2), quantileSorted(replicates, 1 - alpha / 2)]
}
