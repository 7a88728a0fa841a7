import { describe, expect, it } from "vitest"
import { fsum, mulberry32, npMean, pyRound, pyRoundExact } from "../src/kit.js"

describe("Python round semantics", () => {
  it("rounds exact binary ties to even and non-ties by the exact binary value", () => {
    expect(pyRound(1.03125, 4)).toBe(1.0312) // exact tie → even
    expect(pyRound(1.03135, 4)).toBe(1.0313) // stored as 1.031349999…
    expect(pyRound(0.125, 2)).toBe(0.12)
    expect(pyRound(0.375, 2)).toBe(0.38)
    expect(pyRound(2.675, 2)).toBe(2.67) // stored as 2.67499999…
    expect(pyRound(99.99995, 4)).toBe(99.9999) // stored as 99.99994999…
    expect(pyRound(-1.03125, 4)).toBe(-1.0312)
    expect(pyRound(99.999999995, 4)).toBe(100)
    expect(Object.is(pyRound(-0.00001, 4), -0)).toBe(true)
  })
  it("the fast path agrees with the exact decimal path", () => {
    const rand = mulberry32(3)
    for (let i = 0; i < 20000; i++) {
      const x = rand() * 100
      expect(pyRound(x, 4)).toBe(pyRoundExact(x, 4))
    }
  })
})

describe("summation", () => {
  it("fsum is exactly rounded", () => {
    expect(fsum([0.1, 0.2, 0.3])).toBe(0.6)
    expect(fsum([1e100, 1, -1e100])).toBe(1)
    expect(0.1 + 0.2 + 0.3).not.toBe(0.6)
  })
  it("npMean sums pairwise as numpy does", () => {
    // 1e16 + 1 + 1 … : pairwise blocks keep the small terms together
    const xs = [1e16, ...Array.from({ length: 15 }, () => 1)]
    let seq = 0
    for (const x of xs) seq += x
    expect(npMean(xs) * 16).not.toBe(seq)
    expect(npMean([1, 2, 3, 4])).toBe(2.5)
    expect(Number.isNaN(npMean([]))).toBe(true)
  })
})

describe("LCS", () => {
  it("the bit-parallel LCS equals the dynamic programme on random sequences of many lengths", async () => {
    const { lcsLength, lcsLengthDp } = await import("../src/text/lcs.js")
    const rand = mulberry32(9)
    for (let t = 0; t < 400; t++) {
      const alpha = 1 + Math.floor(rand() * 6)
      const a = Array.from({ length: Math.floor(rand() * 140) }, () => Math.floor(rand() * alpha))
      const b = Array.from({ length: Math.floor(rand() * 140) }, () => Math.floor(rand() * alpha))
      expect(lcsLength(a, b)).toBe(lcsLengthDp(a, b))
    }
  })
})
