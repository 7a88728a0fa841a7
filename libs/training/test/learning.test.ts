import { describe, expect, it } from "vitest"
import { learningVerdict, learningWindow, Rng } from "../src/index.js"

/** a loss curve: `start` falling linearly by `fall` over `n` steps, plus seeded N(0, noise²) */
const curve = (n: number, start: number, fall: number, noise: number, seed = 1): number[] => {
  const rng = new Rng(seed)
  return Array.from({ length: n }, (_, i) => start - (fall * i) / (n - 1) + noise * rng.normal())
}

describe("learningVerdict", () => {
  it("windows are 10% of the steps, at least 3, and a curve shorter than two windows is not judged", () => {
    expect(learningWindow(100)).toBe(10)
    expect(learningWindow(182)).toBe(18)
    expect(learningWindow(20)).toBe(3)
    expect(learningWindow(6)).toBe(3)
    expect(learningWindow(5)).toBeUndefined()
    expect(learningVerdict([3, 2, 1, 0.5, 0.2])).toBeUndefined()
  })

  it("a falling loss is learning, with the window means", () => {
    const losses = curve(100, 6, 2, 0.1)
    const v = learningVerdict(losses)!
    expect(v.verdict).toBe("learning")
    expect(v.window).toBe(10)
    const mean = (xs: number[]) => xs.reduce((a, x) => a + x, 0) / xs.length
    expect(v.firstWindowLoss).toBe(mean(losses.slice(0, 10)))
    expect(v.lastWindowLoss).toBe(mean(losses.slice(90)))
    expect(v.note).toContain("fell")
  })

  it("a flat noisy loss is not learning, nor is a fall smaller than the noise", () => {
    expect(learningVerdict(curve(182, 6.18, 0, 0.2))!.verdict).toBe("not-learning")
    // a true fall of 0.05 under step noise of 0.5: the windows' standard errors (≈0.16) swallow it
    const v = learningVerdict(curve(100, 6, 0.05, 0.5, 3))!
    expect(v.verdict).toBe("not-learning")
    expect(v.note).toContain("standard errors")
  })

  it("a constant loss (the same batch, no update) is not learning; a tiny fall without noise needs 0.1%", () => {
    expect(learningVerdict(Array(40).fill(2.5))!.verdict).toBe("not-learning")
    const tiny = Array.from({ length: 40 }, (_, i) => 2.5 - 1e-6 * i)
    expect(learningVerdict(tiny)!.verdict).toBe("not-learning")
    const clear = Array.from({ length: 40 }, (_, i) => 2.5 - 0.01 * i)
    expect(learningVerdict(clear)!.verdict).toBe("learning")
  })

  it("a rising loss is not learning", () => {
    expect(learningVerdict(curve(50, 2, -1, 0.05))!.verdict).toBe("not-learning")
  })

  it("a diverged run (non-finite losses) is not learning, and its window means stay JSON numbers", () => {
    const losses = [...curve(30, 4, 1, 0.01), NaN, Infinity, NaN]
    const v = learningVerdict(losses)!
    expect(v.verdict).toBe("not-learning")
    expect(v.note).toContain("diverged")
    expect(Number.isFinite(v.firstWindowLoss)).toBe(true)
    expect(Number.isFinite(v.lastWindowLoss)).toBe(true)
    expect(JSON.parse(JSON.stringify(v))).toEqual(v)
  })
})
