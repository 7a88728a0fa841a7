/**
 * Tolerance checks for numeric test results that cannot pass by accident: a NaN or an infinity on
 * either side fails (golden values are finite, and `NaN > tol` is false, which is how a hand-written
 * `if (diff > tol) throw` lets NaN through), and so do a length or shape mismatch (a loop over the
 * shorter array, or `forEach` over an empty one, checks nothing). The checks throw an Error naming
 * the first offending element, so they work under any test runner.
 */

/** |actual − expected| ≤ atol + rtol·|expected| (numpy's `allclose` rule) */
export interface Tolerance {
  readonly atol?: number
  readonly rtol?: number
}

export interface AllCloseOptions {
  /** what is compared, for the message (e.g. a tensor name) */
  readonly what?: string
  /** shapes to compare as well (each must also match its array's length) */
  readonly shape?: { readonly actual: ReadonlyArray<number>; readonly expected: ReadonlyArray<number> }
}

type Numbers = ArrayLike<number>

const label = (what: string | undefined) => (what === undefined ? "values" : what)
const numel = (shape: ReadonlyArray<number>) => shape.reduce((a, b) => a * b, 1)
const fmtShape = (shape: ReadonlyArray<number>) => `[${shape.join(", ")}]`

const checkTolerance = (t: Tolerance): void => {
  for (const [k, v] of Object.entries(t)) {
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new Error(`tolerance ${k} must be a finite number ≥ 0, got ${v}`)
  }
}

/**
 * Why `actual` is not close to `expected`, or undefined when it is. `tolerance` may differ per
 * element (a function of the flat index), e.g. looser for elements a fixture marks as noisy.
 */
export const allCloseMismatch = (
  actual: Numbers,
  expected: Numbers,
  tolerance: Tolerance | ((index: number) => Tolerance),
  options: AllCloseOptions = {}
): string | undefined => {
  const what = label(options.what)
  if (options.shape !== undefined) {
    const { actual: sa, expected: se } = options.shape
    if (sa.length !== se.length || sa.some((d, i) => d !== se[i])) return `${what}: shape ${fmtShape(sa)}, expected ${fmtShape(se)}`
    if (numel(sa) !== actual.length) return `${what}: ${actual.length} values for shape ${fmtShape(sa)}`
    if (numel(se) !== expected.length) return `${what}: ${expected.length} expected values for shape ${fmtShape(se)}`
  }
  if (actual.length !== expected.length) return `${what}: ${actual.length} values, expected ${expected.length}`
  const tolAt = typeof tolerance === "function" ? tolerance : () => tolerance
  if (typeof tolerance !== "function") checkTolerance(tolerance)
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!
    const e = expected[i]!
    if (typeof a !== "number" || !Number.isFinite(a)) return `${what}[${i}]: got ${a} (not a finite number), expected ${e}`
    if (typeof e !== "number" || !Number.isFinite(e)) return `${what}[${i}]: the expected value ${e} is not a finite number`
    const t = tolAt(i)
    if (typeof tolerance === "function") checkTolerance(t)
    const bound = (t.atol ?? 0) + (t.rtol ?? 0) * Math.abs(e)
    const diff = Math.abs(a - e)
    if (!(diff <= bound)) return `${what}[${i}]: got ${a}, expected ${e} (|diff| ${diff} > ${bound})`
  }
  return undefined
}

/** Throw unless `actual` is close to `expected` element by element (see `allCloseMismatch`). */
export const expectAllClose = (
  actual: Numbers,
  expected: Numbers,
  tolerance: Tolerance | ((index: number) => Tolerance),
  options: AllCloseOptions = {}
): void => {
  const why = allCloseMismatch(actual, expected, tolerance, options)
  if (why !== undefined) throw new Error(why)
}

/** Throw unless one number is close to another (NaN and infinities fail). */
export const expectClose = (actual: number, expected: number, tolerance: Tolerance, what = "value"): void =>
  expectAllClose([actual], [expected], tolerance, { what })

/**
 * Throw unless two float arrays hold the same bits (for claims of exact reproduction: resumed
 * training, determinism). NaN equals NaN only with the same bits; 0 and −0 differ.
 */
export const expectBitwiseEqual = (actual: Float32Array | Float64Array, expected: Float32Array | Float64Array, what = "values"): void => {
  if (actual.constructor !== expected.constructor) throw new Error(`${what}: ${actual.constructor.name} vs ${expected.constructor.name}`)
  if (actual.length !== expected.length) throw new Error(`${what}: ${actual.length} values, expected ${expected.length}`)
  const a = new Uint8Array(actual.buffer, actual.byteOffset, actual.byteLength)
  const b = new Uint8Array(expected.buffer, expected.byteOffset, expected.byteLength)
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      const k = Math.floor(i / actual.BYTES_PER_ELEMENT)
      throw new Error(`${what}[${k}]: ${actual[k]} differs from ${expected[k]} in its bits`)
    }
  }
}

/** Bitwise equality of two sets of named tensors (same names, same bits). */
export const expectBitwiseEqualTensors = (
  actual: Readonly<Record<string, Float32Array>>,
  expected: Readonly<Record<string, Float32Array>>
): void => {
  const an = Object.keys(actual).sort()
  const en = Object.keys(expected).sort()
  if (an.join("\n") !== en.join("\n")) throw new Error(`tensor names differ: [${an.join(", ")}] vs [${en.join(", ")}]`)
  for (const n of en) expectBitwiseEqual(actual[n]!, expected[n]!, n)
}
