/**
 * Normalised text for de-duplication: NFKC (full-width → half-width), lower case, and white space
 * and punctuation removed, so "胆囊炎有哪些症状？" and "胆囊炎 有哪些症状?" are the same question.
 */
export const normalizeText = (s: string): string =>
  s
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\s\p{P}\p{S}]+/gu, "")

/** keep the first row of each normalised key */
export const dedupeBy = <A>(rows: Iterable<A>, key: (a: A) => string): { kept: Array<A>; dropped: number } => {
  const seen = new Set<string>()
  const kept: Array<A> = []
  let dropped = 0
  for (const r of rows) {
    const k = normalizeText(key(r))
    if (seen.has(k)) dropped++
    else {
      seen.add(k)
      kept.push(r)
    }
  }
  return { kept, dropped }
}

/** FNV-1a 32-bit: a small stable hash for seeded, order-independent choices */
export const hash32 = (s: string): number => {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** a seeded PRNG (mulberry32) so splits and samples are reproducible */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Fisher–Yates with a seeded PRNG; returns a new array */
export const seededShuffle = <A>(items: ReadonlyArray<A>, seed: number): Array<A> => {
  const out = [...items]
  const rnd = seededRandom(seed)
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}
