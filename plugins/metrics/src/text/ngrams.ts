/**
 * n-gram statistics over integer token ids. Ids are local to one pair (a shared vocabulary of size
 * V), so an n-gram (n ≤ 4) packs exactly into one double, `((a·V + b)·V + c)·V + d`; the packed
 * keys of each side are sorted and walked together, which counts without building maps.
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

/** sorted packed keys of every n-gram of `ids` */
const sortedKeys = (ids: Int32Array, n: number, size: number): Float64Array => {
  if (size ** n > Number.MAX_SAFE_INTEGER) throw new Error(`n-gram packing: vocabulary ${size} too large for n = ${n}`)
  const count = Math.max(0, ids.length - n + 1)
  const keys = new Float64Array(count)
  for (let i = 0; i < count; i++) {
    let key = ids[i]
    for (let k = 1; k < n; k++) key = key * size + ids[i + k]
    keys[i] = key
  }
  return keys.sort()
}

/** Σ_g count_hyp(g) and Σ_g min(count_hyp(g), count_ref(g)) for one order (clipped matches) */
export const clippedMatches = (hyp: Int32Array, ref: Int32Array, n: number, size: number): { matched: number; total: number } => {
  const h = sortedKeys(hyp, n, size)
  const r = sortedKeys(ref, n, size)
  let matched = 0
  let i = 0
  let j = 0
  while (i < h.length && j < r.length) {
    if (h[i] < r[j]) i++
    else if (h[i] > r[j]) j++
    else {
      const g = h[i]
      let ch = 0
      let cr = 0
      while (i < h.length && h[i] === g) (i++, ch++)
      while (j < r.length && r[j] === g) (j++, cr++)
      matched += ch < cr ? ch : cr
    }
  }
  return { matched, total: h.length }
}

/** distinct n-grams of each side and of both (set semantics) */
export const distinctOverlap = (hyp: Int32Array, ref: Int32Array, n: number, size: number): { hyp: number; ref: number; overlap: number } => {
  const h = sortedKeys(hyp, n, size)
  const r = sortedKeys(ref, n, size)
  const distinct = (k: Float64Array) => {
    let d = 0
    for (let i = 0; i < k.length; i++) if (i === 0 || k[i] !== k[i - 1]) d++
    return d
  }
  let overlap = 0
  let i = 0
  let j = 0
  while (i < h.length && j < r.length) {
    if (h[i] < r[j]) i++
    else if (h[i] > r[j]) j++
    else {
      const g = h[i]
      overlap++
      while (i < h.length && h[i] === g) i++
      while (j < r.length && r[j] === g) j++
    }
  }
  return { hyp: distinct(h), ref: distinct(r), overlap }
}
