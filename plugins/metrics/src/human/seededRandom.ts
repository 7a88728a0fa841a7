/**
 * A small seeded PRNG so that shuffles and bootstrap resamples are reproducible from a seed alone,
 * independent of Math.random and of the platform.
 */

/** 32-bit FNV-1a of a string: turns (seed, question id) into an independent stream seed. */
export const hashString = (text: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** mulberry32: uniform floats in [0, 1). Good enough statistically for shuffles and bootstraps. */
export const mulberry32 = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A generator whose stream depends on both the seed and a key (e.g. a question id). */
export const keyedRandom = (seed: number, key: string): (() => number) =>
  mulberry32(hashString(`${seed >>> 0}:${key}`))

/** Fisher–Yates shuffle into a new array. */
export const shuffled = <A>(items: ReadonlyArray<A>, random: () => number): Array<A> => {
  const out = items.slice()
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    const tmp = out[i]!
    out[i] = out[j]!
    out[j] = tmp
  }
  return out
}
