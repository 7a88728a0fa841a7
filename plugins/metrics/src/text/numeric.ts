/**
 * Python/numpy arithmetic the reference numbers depend on, so reports match to the last digit.
 */

/**
 * Python's `round(x, ndigits)`: the correctly rounded decimal of the exact binary value of `x`,
 * ties to even, returned as the nearest double. `toFixed(100)` prints the exact expansion of any
 * double ≥ 1e-100 in magnitude (doubles have at most 52 fractional binary digits in this range),
 * so the digits after position `ndigits` decide the rounding without error.
 */
export const pyRound = (x: number, ndigits: number): number => {
  if (!Number.isFinite(x)) return x
  // fast path: far from a rounding tie, Math.round on the scaled value decides the same digit, and
  // k / 10^n (both exact) is the correctly rounded double of the decimal, like Python's result
  if (ndigits >= 0 && ndigits <= 8 && Math.abs(x) < 1e6) {
    const scale = 10 ** ndigits
    const y = x * scale
    const frac = y - Math.floor(y)
    if (Math.abs(frac - 0.5) > 1e-6) {
      const v = Math.round(y) / scale
      return v === 0 && x < 0 ? -0 : v
    }
  }
  return pyRoundExact(x, ndigits)
}

/** `pyRound` by the exact decimal expansion only (the reference path) */
export const pyRoundExact = (x: number, ndigits: number): number => {
  if (!Number.isFinite(x)) return x
  const neg = x < 0
  const ax = Math.abs(x)
  if (ax < 1e-100) return neg ? -0 : 0
  if (ax >= 1e21) return x
  const s = ax.toFixed(100)
  const dot = s.indexOf(".")
  const keep = s.slice(0, dot + 1 + ndigits)
  const rest = s.slice(dot + 1 + ndigits)
  let roundUp: boolean
  if (rest[0] > "5") roundUp = true
  else if (rest[0] < "5") roundUp = false
  else if (/[1-9]/.test(rest.slice(1))) roundUp = true
  else {
    // exact tie: round half to even
    const last = keep.replace(".", "").slice(-1)
    roundUp = Number(last) % 2 === 1
  }
  let digits = keep.replace(".", "")
  if (roundUp) {
    // increment the decimal digit string
    const arr = digits.split("").map(Number)
    let i = arr.length - 1
    while (i >= 0) {
      if (arr[i] === 9) {
        arr[i] = 0
        i--
      } else {
        arr[i]++
        break
      }
    }
    digits = (i < 0 ? "1" : "") + arr.join("")
  }
  const intLen = digits.length - ndigits
  const str = ndigits > 0 ? digits.slice(0, intLen) + "." + digits.slice(intLen) : digits
  const v = Number(str)
  return neg ? -v : v
}

/** Python's `math.fsum`: the correctly rounded sum (Shewchuk's algorithm, as CPython's msum). */
export const fsum = (xs: Iterable<number>): number => {
  const partials: Array<number> = []
  for (let x of xs) {
    let i = 0
    for (let y of partials) {
      if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x]
      const hi = x + y
      const lo = y - (hi - x)
      if (lo !== 0) partials[i++] = lo
      x = hi
    }
    partials.length = i
    partials.push(x)
  }
  // sum partials from the top, with CPython's half-way correction
  let n = partials.length
  if (n === 0) return 0
  let hi = partials[--n]
  let lo = 0
  while (n > 0) {
    const x = hi
    const y = partials[--n]
    hi = x + y
    const yr = hi - x
    lo = y - yr
    if (lo !== 0) break
  }
  if (n > 0 && ((lo < 0 && partials[n - 1] < 0) || (lo > 0 && partials[n - 1] > 0))) {
    const y = lo * 2
    const x = hi + y
    const yr = x - hi
    if (y === yr) hi = x
  }
  return hi
}

/** numpy's pairwise summation (`pairwise_sum` for float64, block size 128, 8 accumulators). */
const pairwiseSum = (a: ArrayLike<number>, start: number, n: number): number => {
  if (n < 8) {
    let res = 0
    for (let i = 0; i < n; i++) res += a[start + i]
    return res
  }
  if (n <= 128) {
    const r = new Float64Array(8)
    for (let k = 0; k < 8; k++) r[k] = a[start + k]
    let i = 8
    for (; i < n - (n % 8); i += 8) for (let k = 0; k < 8; k++) r[k] += a[start + i + k]
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]))
    for (; i < n; i++) res += a[start + i]
    return res
  }
  let n2 = Math.floor(n / 2)
  n2 -= n2 % 8
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2)
}

/** `float(np.mean(xs))` for a 1-D float64 list; NaN for an empty list (as numpy, with a warning). */
export const npMean = (xs: ArrayLike<number>): number => (xs.length === 0 ? NaN : pairwiseSum(xs, 0, xs.length) / xs.length)
