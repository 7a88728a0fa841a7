import { expect } from "vitest"

/**
 * Element-wise closeness: |got − want| ≤ abs + rel·|want| for every element. Fails on a length
 * mismatch and on any NaN or infinity (NaN compares false, so it can never pass silently).
 */
export const expectClose = (
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol: { readonly abs?: number; readonly rel?: number },
  what: string
): void => {
  expect(got.length, `${what}: length`).toBe(want.length)
  expect(got.length, `${what}: nothing to compare`).toBeGreaterThan(0)
  let worst = 0
  let at = -1
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!
    const w = want[i]!
    if (!Number.isFinite(g) || !Number.isFinite(w)) throw new Error(`${what}[${i}]: not finite (got ${g}, want ${w})`)
    const excess = Math.abs(g - w) - ((tol.abs ?? 0) + (tol.rel ?? 0) * Math.abs(w))
    if (excess > worst) {
      worst = excess
      at = i
    }
  }
  expect(at, `${what}: element ${at} off: got ${got[at]}, want ${want[at]}`).toBe(-1)
}
