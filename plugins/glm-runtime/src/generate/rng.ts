/** Deterministic, seedable RNG (mulberry32): the same seed gives the same samples on every backend. */
export interface Rng {
  /** uniform in [0, 1) */
  readonly next: () => number
}

export const makeRng = (seed: number): Rng => {
  let a = (Math.floor(seed) >>> 0) ^ 0x9e3779b9
  return {
    next: () => {
      a = (a + 0x6d2b79f5) >>> 0
      let t = a
      t = Math.imul(t ^ (t >>> 15), t | 1)
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296
    }
  }
}
