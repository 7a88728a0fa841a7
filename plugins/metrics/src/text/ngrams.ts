/**
 * n-gram statistics over integer token ids. Ids are local to one pair (a shared vocabulary of size
 * V), so an n-gram (n ≤ 4) packs exactly into one double, `((a·V + b)·V + c)·V + d`, counted in
 * a reusable typed-array hash table instead of per-call maps.
 */

// Tokens are interned once per process (string → global id); a pair's local ids come from a
// stamped table over global ids, so no map is built per pair. The interner is reset when it grows
// past a bound, which is safe because ids only need to be consistent within one call.
const MAX_INTERNED = 1 << 20
let interned = new Map<string, number>()
let localOf = new Int32Array(1024)
let localStamp = new Int32Array(1024)
let pairStamp = 0

/** map two token lists to ids over one shared, pair-local vocabulary; returns the ids and its size */
export const sharedIds = (a: ReadonlyArray<string>, b: ReadonlyArray<string>): { a: Int32Array; b: Int32Array; size: number } => {
  if (interned.size + a.length + b.length > MAX_INTERNED) {
    interned = new Map()
    localStamp.fill(0)
  }
  pairStamp++
  let size = 0
  const enc = (xs: ReadonlyArray<string>) => {
    const out = new Int32Array(xs.length)
    for (let i = 0; i < xs.length; i++) {
      let g = interned.get(xs[i])
      if (g === undefined) interned.set(xs[i], (g = interned.size))
      if (g >= localOf.length) {
        const grow = (arr: Int32Array) => {
          const next = new Int32Array(Math.max(g! + 1, arr.length * 2))
          next.set(arr)
          return next
        }
        localOf = grow(localOf)
        localStamp = grow(localStamp)
      }
      if (localStamp[g] !== pairStamp) {
        localStamp[g] = pairStamp
        localOf[g] = size++
      }
      out[i] = localOf[g]
    }
    return out
  }
  const ea = enc(a)
  const eb = enc(b)
  return { a: ea, b: eb, size: Math.max(1, size) }
}

/**
 * A reusable open-addressing hash table from packed n-gram keys to (hyp count, ref count). Slots are
 * claimed with a generation stamp, so clearing between uses is free.
 */
let cap = 0
let mask = 0
let keys = new Float64Array(0)
let hypCount = new Int32Array(0)
let refCount = new Int32Array(0)
let stampOf = new Int32Array(0)
let stamp = 0
const touched: Array<number> = []

const reset = (entries: number) => {
  if (cap < entries * 2) {
    cap = 64
    while (cap < entries * 2) cap *= 2
    mask = cap - 1
    keys = new Float64Array(cap)
    hypCount = new Int32Array(cap)
    refCount = new Int32Array(cap)
    stampOf = new Int32Array(cap)
    stamp = 0
  }
  stamp++
  touched.length = 0
}

const slotOf = (key: number): number => {
  // mix the low and high 32 bits of the (integer) key
  let h = Math.imul((key >>> 0) ^ Math.imul((key / 4294967296) >>> 0, 0x85ebca6b), 0x9e3779b1)
  h ^= h >>> 15
  let slot = h & mask
  for (;;) {
    if (stampOf[slot] !== stamp) {
      stampOf[slot] = stamp
      keys[slot] = key
      hypCount[slot] = 0
      refCount[slot] = 0
      touched.push(slot)
      return slot
    }
    if (keys[slot] === key) return slot
    slot = (slot + 1) & mask
  }
}

const countInto = (ids: Int32Array, n: number, size: number, into: Int32Array) => {
  if (size ** n > Number.MAX_SAFE_INTEGER) throw new Error(`n-gram packing: vocabulary ${size} too large for n = ${n}`)
  for (let i = 0; i + n <= ids.length; i++) {
    let key = ids[i]
    for (let k = 1; k < n; k++) key = key * size + ids[i + k]
    into[slotOf(key)]++
  }
}

/** Σ_g count_hyp(g) and Σ_g min(count_hyp(g), count_ref(g)) for one order (clipped matches) */
export const clippedMatches = (hyp: Int32Array, ref: Int32Array, n: number, size: number): { matched: number; total: number } => {
  reset(hyp.length + ref.length)
  countInto(hyp, n, size, hypCount)
  countInto(ref, n, size, refCount)
  let matched = 0
  let total = 0
  for (const slot of touched) {
    const h = hypCount[slot]
    const r = refCount[slot]
    total += h
    matched += h < r ? h : r
  }
  return { matched, total }
}

/** distinct n-grams of each side and of both (set semantics) */
export const distinctOverlap = (hyp: Int32Array, ref: Int32Array, n: number, size: number): { hyp: number; ref: number; overlap: number } => {
  reset(hyp.length + ref.length)
  countInto(hyp, n, size, hypCount)
  countInto(ref, n, size, refCount)
  let h = 0
  let r = 0
  let overlap = 0
  for (const slot of touched) {
    if (hypCount[slot] > 0) h++
    if (refCount[slot] > 0) r++
    if (hypCount[slot] > 0 && refCount[slot] > 0) overlap++
  }
  return { hyp: h, ref: r, overlap }
}
