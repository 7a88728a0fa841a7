import { describe, expect, it } from "vitest"
import { icc2, krippendorffAlphaInterval } from "../src/human/agreement.js"
import { clusterBootstrapMeanCi, quantileSorted, sampleSd } from "../src/human/stats.js"

// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the 4-coder × 12-unit example
// with missing values; the paper gives α_interval = 0.849.
const K2011: Array<Array<number | null>> = [
  [1, 2, 3, 3, 2, 1, 4, 1, 2, null, null, null],
  [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, null, 3],
  [null, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, null],
  [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, null]
]
const unitsOf = (coders: Array<Array<number | null>>) =>
  coders[0]!.map((_, u) => coders.map((c) => c[u]).filter((v): v is number => v !== null))

// Shrout & Fleiss (1979), Table 2: 6 targets × 4 judges; ICC(2,1) = 0.29, ICC(2,k) = 0.62
const SF1979 = [
  [9, 2, 5, 8],
  [6, 1, 3, 2],
  [8, 4, 6, 8],
  [7, 1, 2, 6],
  [10, 5, 6, 9],
  [6, 2, 4, 7]
]

describe("Krippendorff's alpha (interval)", () => {
  it("reproduces the published example with missing values", () => {
    const r = krippendorffAlphaInterval(unitsOf(K2011))
    expect(r.alpha!).toBeCloseTo(0.849, 3)
    // coincidence-matrix computation of the same data, done independently
    expect(r.alpha!).toBeCloseTo(0.8491071428571428, 12)
    expect(r.pairableUnits).toBe(11) // unit 12 has one value only
    expect(r.pairableValues).toBe(40)
  })
  it("is 1 for perfect agreement, undefined without variation, below 0 for systematic disagreement", () => {
    expect(krippendorffAlphaInterval([[1, 1], [5, 5], [3, 3]]).alpha).toBe(1)
    expect(krippendorffAlphaInterval([[4, 4], [4, 4]]).alpha).toBeNull()
    expect(krippendorffAlphaInterval([[1, 9], [9, 1], [1, 9]]).alpha!).toBeLessThan(0)
    expect(krippendorffAlphaInterval([[1], [2]]).alpha).toBeNull()
  })
  it("does not depend on the order of values inside a unit or of the units", () => {
    const units = unitsOf(K2011)
    const shuffledUnits = units.map((u) => u.slice().reverse()).reverse()
    expect(krippendorffAlphaInterval(shuffledUnits).alpha!).toBeCloseTo(krippendorffAlphaInterval(units).alpha!, 12)
  })
})

describe("ICC(2,1) and ICC(2,k)", () => {
  it("reproduces Shrout & Fleiss (1979)", () => {
    const r = icc2(SF1979)
    expect(r.icc21!).toBeCloseTo(0.29, 2)
    expect(r.icc2k!).toBeCloseTo(0.62, 2)
    expect(r.icc21!).toBeCloseTo(0.2897637795275592, 12)
    expect(r.icc2k!).toBeCloseTo(0.6200505475989893, 12)
    expect(r.items).toBe(6)
    expect(r.raters).toBe(4)
  })
  it("is 1 when raters agree exactly, null with fewer than 2 items or raters", () => {
    expect(icc2([[1, 1], [4, 4], [7, 7]]).icc21).toBeCloseTo(1, 12)
    expect(icc2([[1, 2]]).icc21).toBeNull()
    expect(icc2([[1], [2]]).icc21).toBeNull()
    expect(() => icc2([[1, 2], [3]])).toThrow(/ragged/)
  })
  it("penalises a rater who is systematically higher (absolute agreement)", () => {
    const consistent = icc2([[1, 1], [4, 4], [7, 7], [2, 2]]).icc21!
    const shifted = icc2([[1, 3], [4, 6], [7, 9], [2, 4]]).icc21!
    expect(shifted).toBeLessThan(consistent)
    expect(shifted).toBeGreaterThan(0)
  })
})

describe("cluster bootstrap CI", () => {
  it("is reproducible from the seed and brackets the mean", () => {
    const clusters = [[7, 8], [5], [9, 9, 8], [4, 6], [7]]
    const a = clusterBootstrapMeanCi(clusters, { resamples: 2000, seed: 3 })!
    const b = clusterBootstrapMeanCi(clusters, { resamples: 2000, seed: 3 })!
    expect(a).toEqual(b)
    const pooled = clusters.flat().reduce((x, y) => x + y, 0) / clusters.flat().length
    expect(a[0]).toBeLessThan(pooled)
    expect(a[1]).toBeGreaterThan(pooled)
    expect(a[0]).toBeGreaterThanOrEqual(4)
    expect(a[1]).toBeLessThanOrEqual(9)
    expect(clusterBootstrapMeanCi(clusters, { resamples: 2000, seed: 4 })).not.toEqual(a)
  })
  it("collapses to the value when there is no spread, and is null without data", () => {
    expect(clusterBootstrapMeanCi([[6, 6], [6]], { resamples: 200, seed: 1 })).toEqual([6, 6])
    expect(clusterBootstrapMeanCi([[], []], { resamples: 200, seed: 1 })).toBeNull()
  })
  it("has about the normal-theory width for many independent clusters", () => {
    // 400 clusters of one value each, values 0..9 repeating: sd ≈ 2.876, se ≈ 0.1438, 95% ≈ ±0.282
    const clusters = Array.from({ length: 400 }, (_, i) => [i % 10])
    const [lo, hi] = clusterBootstrapMeanCi(clusters, { resamples: 4000, seed: 11 })!
    expect((hi - lo) / 2).toBeGreaterThan(0.24)
    expect((hi - lo) / 2).toBeLessThan(0.32)
    expect((lo + hi) / 2).toBeCloseTo(4.5, 1)
  })
  it("uses type-7 quantiles and the n−1 standard deviation", () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5)
    expect(quantileSorted([1, 2, 3, 4, 5], 0.025)).toBeCloseTo(1.1, 12)
    expect(sampleSd([2, 4, 4, 4, 5, 5, 7, 9])).toBeCloseTo(2.138089935299395, 12)
  })
})
