/**
 * Seeded percentile bootstrap of a mean: resample the per-item scores with replacement B times
 * (default 1000), take each resample's mean, and report the 2.5th and 97.5th percentiles (linear
 * interpolation between order statistics, numpy's default) as the 95% confidence interval.
 * The PRNG is mulberry32 seeded with `seed`, so the interval is reproducible.
 */
export { mulberry32 } from "../human/seededRandom.js"
import { mulberry32 } from "../human/seededRandom.js"

/** numpy-style percentile (linear interpolation) of sorted values, q in [0, 100] */
export const percentileSorted = (sorted: ArrayLike<number>, q: number): number => {
  if (sorted.length === 0) return NaN
  const pos = ((sorted.length - 1) * q) / 100
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
}

export interface Interval {
  readonly low: number
  readonly high: number
}

export const bootstrapMeanCi = (
  values: ReadonlyArray<number>,
  opts: { readonly resamples?: number; readonly seed?: number; readonly level?: number } = {}
): Interval => {
  const n = values.length
  if (n === 0) return { low: NaN, high: NaN }
  const b = opts.resamples ?? 1000
  const level = opts.level ?? 0.95
  const rand = mulberry32(opts.seed ?? 0)
  const means = new Float64Array(b)
  for (let i = 0; i < b; i++) {
    let s = 0
    for (let j = 0; j < n; j++) s += values[Math.floor(rand() * n)]
    means[i] = s / n
  }
  means.sort()
  const tail = ((1 - level) / 2) * 100
  return { low: percentileSorted(means, tail), high: percentileSorted(means, 100 - tail) }
}

/**
 * Seeded percentile bootstrap of several statistics over the same resamples: each resample draws
 * n item indices with replacement (mulberry32, as `bootstrapMeanCi`), and every statistic is
 * computed on it — a mean of per-item scores, or a corpus-level score recomputed from the
 * resampled items (sacreBLEU). The intervals of the statistics are thus paired.
 */
export const bootstrapIntervals = <K extends string>(
  n: number,
  statistics: Readonly<Record<K, (indices: Int32Array) => number>>,
  opts: { readonly resamples?: number; readonly seed?: number; readonly level?: number } = {}
): Record<K, Interval> => {
  const keys = Object.keys(statistics) as Array<K>
  const out = {} as Record<K, Interval>
  if (n === 0) {
    for (const k of keys) out[k] = { low: NaN, high: NaN }
    return out
  }
  const b = opts.resamples ?? 1000
  const level = opts.level ?? 0.95
  const rand = mulberry32(opts.seed ?? 0)
  const values = Object.fromEntries(keys.map((k) => [k, new Float64Array(b)])) as Record<K, Float64Array>
  const idx = new Int32Array(n)
  for (let i = 0; i < b; i++) {
    for (let j = 0; j < n; j++) idx[j] = Math.floor(rand() * n)
    for (const k of keys) values[k][i] = statistics[k](idx)
  }
  const tail = ((1 - level) / 2) * 100
  for (const k of keys) {
    // a statistic undefined on some resamples (e.g. no scorable pair drawn) uses the others
    const finite = values[k].filter((v) => Number.isFinite(v)).sort()
    out[k] = { low: percentileSorted(finite, tail), high: percentileSorted(finite, 100 - tail) }
  }
  return out
}
