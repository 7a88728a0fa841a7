/**
 * n-gram counting over integer token ids. Ids are local to one pair (a shared vocabulary of size
 * V ≤ a few thousand), so an n-gram (n ≤ 4) packs exactly into one double, `((a·V + b)·V + c)·V + d`,
 * which keeps the counting maps on number keys (much faster than string keys).
 */

/** map token lists to ids over one shared vocabulary; returns the ids and the vocabulary size */
export const sharedIds = <T>(a: Iterable<T>, b: Iterable<T>): { a: Int32Array; b: Int32Array; size: number } => {
  const vocab = new Map<T, number>()
  const enc = (xs: Iterable<T>) => {
    const out: Array<number> = []
    for (const x of xs) {
      let id = vocab.get(x)
      if (id === undefined) vocab.set(x, (id = vocab.size))
      out.push(id)
    }
    return Int32Array.from(out)
  }
  const ea = enc(a)
  const eb = enc(b)
  return { a: ea, b: eb, size: Math.max(1, vocab.size) }
}

const checkPackable = (size: number, n: number) => {
  if (size ** n > Number.MAX_SAFE_INTEGER) throw new Error(`n-gram packing: vocabulary ${size} too large for n = ${n}`)
}

/** counts of every n-gram of `ids` */
export const ngramCounts = (ids: Int32Array, n: number, size: number): Map<number, number> => {
  checkPackable(size, n)
  const counts = new Map<number, number>()
  for (let i = 0; i + n <= ids.length; i++) {
    let key = ids[i]
    for (let k = 1; k < n; k++) key = key * size + ids[i + k]
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return counts
}

/** the set of distinct n-grams of `ids` */
export const ngramSet = (ids: Int32Array, n: number, size: number): Set<number> => {
  checkPackable(size, n)
  const s = new Set<number>()
  for (let i = 0; i + n <= ids.length; i++) {
    let key = ids[i]
    for (let k = 1; k < n; k++) key = key * size + ids[i + k]
    s.add(key)
  }
  return s
}

/** Σ_g count_hyp(g) and Σ_g min(count_hyp(g), count_ref(g)) for one order */
export const clippedMatches = (hyp: Int32Array, ref: Int32Array, n: number, size: number): { matched: number; total: number } => {
  const hc = ngramCounts(hyp, n, size)
  const rc = ngramCounts(ref, n, size)
  let matched = 0
  let total = 0
  for (const [g, c] of hc) {
    total += c
    const r = rc.get(g)
    if (r !== undefined) matched += c < r ? c : r
  }
  return { matched, total }
}
