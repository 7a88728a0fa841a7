/**
 * Inter-rater agreement for numeric ratings.
 *
 * Krippendorff's alpha, interval metric (Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"):
 *   Only "pairable" values count: the values of units rated by at least two raters. Let n be their
 *   number, m_u the number of values in unit u and δ²(a, b) = (a − b)².
 *     D_o = (1/n) · Σ_u  1/(m_u − 1) · Σ_{i≠j in u} δ²(v_i, v_j)        observed disagreement
 *     D_e = 1/(n(n − 1)) · Σ_{i≠j over all pairable values} δ²(v_i, v_j)  expected disagreement
 *     α   = 1 − D_o / D_e
 *   Missing ratings are allowed (that is why alpha is the primary statistic here). α = 1 is perfect
 *   agreement, 0 is chance level; α is undefined (null) when every pairable value is the same
 *   (D_e = 0) or fewer than two units are pairable. The ordered-pair sums use the identity
 *   Σ_{i≠j} (v_i − v_j)² = 2·(m·Σv² − (Σv)²), so the cost is linear.
 *
 * Intraclass correlation ICC(2,1) and ICC(2,k) (Shrout & Fleiss 1979; McGraw & Wong's ICC(A,1) and
 * ICC(A,k)): two-way random effects, absolute agreement, on the items that every rater rated
 * (a complete n × k matrix). With row (item) means, column (rater) means and the grand mean:
 *     MSR = k·Σ_i (x̄_i. − x̄)² / (n − 1)        between items
 *     MSC = n·Σ_j (x̄_.j − x̄)² / (k − 1)        between raters
 *     MSE = (SST − SSR − SSC) / ((n − 1)(k − 1)) residual
 *     ICC(2,1) = (MSR − MSE) / (MSR + (k − 1)·MSE + k·(MSC − MSE)/n)   reliability of one rater
 *     ICC(2,k) = (MSR − MSE) / (MSR + (MSC − MSE)/n)                   reliability of the k-rater mean
 *   null when n < 2, k < 2 or a denominator is 0.
 */

/** the values a unit (an item being rated) received, one per rater who rated it */
export type UnitValues = ReadonlyArray<number>

const sumSquaredOrderedDiffs = (values: ReadonlyArray<number>): number => {
  let s = 0
  let s2 = 0
  for (const v of values) {
    s += v
    s2 += v * v
  }
  // clamp tiny negative rounding residue
  return Math.max(0, 2 * (values.length * s2 - s * s))
}

export interface AlphaResult {
  readonly alpha: number | null
  /** pairable values (n) and units */
  readonly pairableValues: number
  readonly pairableUnits: number
  readonly observedDisagreement: number | null
  readonly expectedDisagreement: number | null
}

export const krippendorffAlphaInterval = (units: ReadonlyArray<UnitValues>): AlphaResult => {
  const pairable = units.filter((u) => u.length >= 2)
  const n = pairable.reduce((acc, u) => acc + u.length, 0)
  if (pairable.length < 1 || n < 2) {
    return { alpha: null, pairableValues: n, pairableUnits: pairable.length, observedDisagreement: null, expectedDisagreement: null }
  }
  let within = 0
  for (const u of pairable) within += sumSquaredOrderedDiffs(u) / (u.length - 1)
  const dO = within / n
  const dE = sumSquaredOrderedDiffs(pairable.flat()) / (n * (n - 1))
  return {
    alpha: dE === 0 ? null : 1 - dO / dE,
    pairableValues: n,
    pairableUnits: pairable.length,
    observedDisagreement: dO,
    expectedDisagreement: dE
  }
}

export interface IccResult {
  readonly icc21: number | null
  readonly icc2k: number | null
  /** items (rows) and raters (columns) of the complete matrix used */
  readonly items: number
  readonly raters: number
}

/** `matrix[i][j]`: item i's score by rater j; every row must have the same length */
export const icc2 = (matrix: ReadonlyArray<ReadonlyArray<number>>): IccResult => {
  const n = matrix.length
  const k = n === 0 ? 0 : matrix[0]!.length
  if (n < 2 || k < 2) return { icc21: null, icc2k: null, items: n, raters: k }
  for (const row of matrix) {
    if (row.length !== k) throw new Error(`icc2: ragged matrix (expected ${k} columns, got ${row.length})`)
  }
  let grand = 0
  for (const row of matrix) for (const v of row) grand += v
  grand /= n * k
  const rowMeans = matrix.map((row) => row.reduce((a, b) => a + b, 0) / k)
  const colMeans = Array.from({ length: k }, (_, j) => matrix.reduce((a, row) => a + row[j]!, 0) / n)
  let sst = 0
  for (const row of matrix) for (const v of row) sst += (v - grand) ** 2
  const ssr = k * rowMeans.reduce((a, m) => a + (m - grand) ** 2, 0)
  const ssc = n * colMeans.reduce((a, m) => a + (m - grand) ** 2, 0)
  const msr = ssr / (n - 1)
  const msc = ssc / (k - 1)
  const mse = (sst - ssr - ssc) / ((n - 1) * (k - 1))
  const d1 = msr + (k - 1) * mse + (k * (msc - mse)) / n
  const dk = msr + (msc - mse) / n
  return {
    icc21: d1 === 0 ? null : (msr - mse) / d1,
    icc2k: dk === 0 ? null : (msr - mse) / dk,
    items: n,
    raters: k
  }
}
