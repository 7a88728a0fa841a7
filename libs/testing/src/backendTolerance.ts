/**
 * How far each backend's float32 results may stray from a reference, per kind of quantity: one
 * table for every golden suite (freeze, P-Tuning v2, LoRA, the row-shard training checks) on every
 * backend, instead of numbers and exceptions spread over the suites. The tolerances are used with
 * `expectAllClose`, so a NaN, an infinity or a length mismatch still fails whatever they allow.
 * The thresholds and why they are what they are: libs/testing/README.md.
 */
import type { Tolerance } from "./allClose.js"

/** What is compared against the reference. */
export type Quantity =
  /** a mean token cross-entropy (before, between and after steps) */
  | "loss"
  /** a tensor's gradient norm, or the total norm */
  | "gradNorm"
  /** a parameter element after AdamW steps */
  | "param"
  /** a parameter element whose AdamW update is decided by rounding (see `noiseDrivenBelow`) */
  | "noisyParam"
  /** logits of a forward */
  | "logits"
  /** a weight computed from others without a reduction longer than a few terms (a LoRA merge) */
  | "merged"

/** The backends whose allowances are stated; any other gets the GPU's (the looser) row. */
export type ToleranceBackend = "wasm" | "cpu" | "tensorflow" | "webgpu"

/** `|actual − expected| ≤ atol + rtol·|expected|` for `quantity` on `backend` (`tf.getBackend()`). */
export const backendTolerance = (quantity: Quantity, backend: string): Tolerance => rowOf(backend).tolerance[quantity]

/**
 * Gradient elements: relative to the reference tensor's largest magnitude, since the elements
 * near zero are sums of terms that cancel and carry the absolute rounding of the large ones.
 */
export const gradientTolerance = (reference: ArrayLike<number>, backend: string): Tolerance => {
  let scale = 0
  for (let i = 0; i < reference.length; i++) scale = Math.max(scale, Math.abs(reference[i]!))
  return { atol: rowOf(backend).gradientScale * scale }
}

/**
 * The mean-gradient magnitude below which an element's AdamW update is decided by rounding on
 * `backend`: AdamW moves an element by about lr·m/√v, which is ±lr for any gradient, however
 * small, so the sign of a gradient that is zero up to rounding decides the step (a key bias's
 * gradient is zero in exact arithmetic: softmax ignores a constant added to every score).
 */
export const noiseDrivenBelow = (backend: string): number => rowOf(backend).noiseGradient

/**
 * Per-element tolerance of parameters after AdamW steps: `noisyParam` for the elements in
 * `noisy` (see `noiseDrivenElements`), `param` for every other.
 */
export const paramTolerance = (backend: string, noisy: ReadonlySet<number> = new Set()): ((index: number) => Tolerance) => {
  const t = rowOf(backend).tolerance
  return (i) => (noisy.has(i) ? t.noisyParam : t.param)
}

/**
 * The elements of each tensor that count as noise-driven on `backend`: the reference fixture's
 * list (made where the reference ran), and every element whose mean gradient at the start
 * (`meanGradients`) is below `noiseDrivenBelow(backend)`.
 */
export const noiseDrivenElements = (
  backend: string,
  meanGradients: Readonly<Record<string, ArrayLike<number>>>,
  fixture: Readonly<Record<string, ReadonlyArray<number>>> = {}
): Record<string, Set<number>> => {
  const out: Record<string, Set<number>> = {}
  for (const [name, list] of Object.entries(fixture)) out[name] = new Set(list)
  const below = noiseDrivenBelow(backend)
  for (const [name, g] of Object.entries(meanGradients)) {
    const set = (out[name] ??= new Set())
    for (let i = 0; i < g.length; i++) if (Math.abs(g[i]!) < below) set.add(i)
  }
  return out
}

// internal

interface Row {
  readonly tolerance: Readonly<Record<Quantity, Tolerance>>
  /** gradient elements: atol = gradientScale · max |reference| */
  readonly gradientScale: number
  readonly noiseGradient: number
}

/**
 * CPU-side backends (WASM's XNNPACK, tfjs's cpu kernels, libtensorflow) sum in a BLAS-like
 * blocked order close to PyTorch's: the fixtures' own allowances hold.
 */
const cpuRow: Row = {
  tolerance: {
    loss: { rtol: 1e-5 },
    gradNorm: { rtol: 1e-4 },
    param: { atol: 2e-6 },
    noisyParam: { atol: 6e-3 },
    logits: { atol: 2e-5, rtol: 1e-5 },
    merged: { atol: 1e-6 }
  },
  gradientScale: 1e-4,
  // 100·eps: the fixtures' own rule, for a BLAS's summation order
  noiseGradient: 1e-6
}

/**
 * WebGPU reduces in workgroup tiles and trees, whose rounding differs from a BLAS's by about ten
 * times more: the same allowances hold for losses, norms, gradients and logits (they are far above
 * the noise), but AdamW's sign decisions reach gradients ten times larger, so elements whose mean
 * gradient is below 1e-5 (100·eps × 10) count as noise-driven there.
 */
const gpuRow: Row = { ...cpuRow, noiseGradient: 1e-5 }

const rows: Readonly<Record<ToleranceBackend, Row>> = { wasm: cpuRow, cpu: cpuRow, tensorflow: cpuRow, webgpu: gpuRow }

const rowOf = (backend: string): Row => rows[backend as ToleranceBackend] ?? gpuRow
