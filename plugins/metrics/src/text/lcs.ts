/** Length of the longest common subsequence of two integer sequences (O(n·m) time, O(m) memory). */
export const lcsLength = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  const n = a.length
  const m = b.length
  if (n === 0 || m === 0) return 0
  let prev = new Int32Array(m + 1)
  let cur = new Int32Array(m + 1)
  for (let i = 1; i <= n; i++) {
    const ai = a[i - 1]
    for (let j = 1; j <= m; j++) {
      cur[j] = ai === b[j - 1] ? prev[j - 1] + 1 : cur[j - 1] > prev[j] ? cur[j - 1] : prev[j]
    }
    const t = prev
    prev = cur
    cur = t
  }
  return prev[m]
}
