/**
 * AdamW exactly as torch.optim.AdamW (decoupled weight decay, bias correction), on plain
 * Float32Arrays. The optimizer lives outside TensorFlow.js on purpose: the same code then serves a
 * single in-process trainer and the data-parallel one (whose gradients arrive from worker threads as
 * arrays), and its moments go into checkpoints without a device round trip.
 */
export interface AdamWConfig {
  readonly beta1: number
  readonly beta2: number
  readonly eps: number
  readonly weightDecay: number
}

export const defaultAdamW: AdamWConfig = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 }

export interface AdamWState {
  /** number of updates applied so far (torch's `step`) */
  step: number
  readonly m: Record<string, Float32Array>
  readonly v: Record<string, Float32Array>
}

export const initAdamWState = (params: Readonly<Record<string, Float32Array>>): AdamWState => {
  const m: Record<string, Float32Array> = {}
  const v: Record<string, Float32Array> = {}
  for (const [name, p] of Object.entries(params)) {
    m[name] = new Float32Array(p.length)
    v[name] = new Float32Array(p.length)
  }
  return { step: 0, m, v }
}

/**
 * One update of every parameter that has a gradient, in place. Follows torch's operation order
 * (`p *= 1 - lr·wd; m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²;
 *   p -= lr/(1-β1ᵗ) · m / (sqrt(v)/sqrt(1-β2ᵗ) + eps)`), with each stored value rounded to float32
 * like torch's float32 tensors.
 */
export const adamwStep = (
  params: Record<string, Float32Array>,
  grads: Readonly<Record<string, Float32Array>>,
  state: AdamWState,
  lr: number,
  cfg: AdamWConfig = defaultAdamW
): void => {
  state.step += 1
  const t = state.step
  const { beta1, beta2, eps, weightDecay } = cfg
  const bc1 = 1 - Math.pow(beta1, t)
  const bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t))
  const stepSize = lr / bc1
  const decay = Math.fround(1 - lr * weightDecay)
  const b1 = Math.fround(beta1)
  const b2 = Math.fround(beta2)
  const ob1 = Math.fround(1 - beta1)
  const ob2 = Math.fround(1 - beta2)
  for (const [name, p] of Object.entries(params)) {
    const g = grads[name]
    if (g === undefined) continue
    const m = state.m[name]!
    const v = state.v[name]!
    if (g.length !== p.length) throw new Error(`gradient of ${name} has ${g.length} elements, parameter has ${p.length}`)
    for (let i = 0; i < p.length; i++) {
      const gi = g[i]!
      const pi = Math.fround(p[i]! * decay)
      const mi = Math.fround(Math.fround(m[i]! * b1) + Math.fround(gi * ob1))
      const vi = Math.fround(Math.fround(v[i]! * b2) + Math.fround(Math.fround(gi * gi) * ob2))
      m[i] = mi
      v[i] = vi
      const denom = Math.fround(Math.fround(Math.fround(Math.sqrt(vi)) / bc2Sqrt) + eps)
      p[i] = Math.fround(pi - Math.fround(stepSize * Math.fround(mi / denom)))
    }
  }
}
