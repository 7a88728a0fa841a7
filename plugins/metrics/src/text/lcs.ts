/**
 * Length of the longest common subsequence of two integer sequences, bit-parallel (Hyyrö 2004):
 * the DP row over `a` is kept as a bit vector V (a 0 bit marks where the LCS grows), and each
 * symbol y of `b` updates it with V' = (V + (V & M_y)) | (V & ~M_y), where M_y marks the positions
 * of y in `a`. LCS = number of 0 bits among the |a| positions. 32 positions per word, O(|a|/32·|b|).
 */
export const lcsLength = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  const n = a.length
  if (n === 0 || b.length === 0) return 0
  const words = (n + 31) >>> 5
  const masks = new Map<number, Uint32Array>()
  for (let i = 0; i < n; i++) {
    let m = masks.get(a[i])
    if (m === undefined) masks.set(a[i], (m = new Uint32Array(words)))
    m[i >>> 5] |= 1 << (i & 31)
  }
  const v = new Uint32Array(words).fill(0xffffffff)
  for (let j = 0; j < b.length; j++) {
    const m = masks.get(b[j])
    if (m === undefined) continue
    let carry = 0
    for (let w = 0; w < words; w++) {
      const vw = v[w]
      const mw = m[w]
      const sum = vw + ((vw & mw) >>> 0) + carry
      carry = sum > 0xffffffff ? 1 : 0
      v[w] = ((sum >>> 0) | (vw & ~mw)) >>> 0
    }
  }
  let zeros = 0
  for (let i = 0; i < n; i++) if ((v[i >>> 5] & (1 << (i & 31))) === 0) zeros++
  return zeros
}

/** The textbook O(|a|·|b|) dynamic programme (reference for tests). */
export const lcsLengthDp = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  const n = a.length
  const m = b.length
  if (n === 0 || m === 0) return 0
  let prev = new Int32Array(m + 1)
  let cur = new Int32Array(m + 1)
  for (let i = 1; i <= n; i++) {
    const ai = a[i - 1]
    for (let j = 1; j <= m; j++) cur[j] = ai === b[j - 1] ? prev[j - 1] + 1 : cur[j - 1] > prev[j] ? cur[j - 1] : prev[j]
    const t = prev
    prev = cur
    cur = t
  }
  return prev[m]
}
