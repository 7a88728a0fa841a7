/**
 * A small seeded PRNG so that shuffles and bootstrap resamples are reproducible from a seed alone,
 * independent of Math.random and of the platform.
 */

// one PRNG for the whole project (splits, samples, shuffles, bootstraps): mulberry32 and FNV-1a
import { hash32 as hashString, seededRandom as mulberry32 } from "@zaoji/data"

export { hashString, mulberry32 }

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
