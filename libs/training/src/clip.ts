/** L2 norm of every gradient together (float64 accumulation). */
export const globalNorm = (grads: Readonly<Record<string, Float32Array>>): number => {
  let sum = 0
  for (const g of Object.values(grads)) for (let i = 0; i < g.length; i++) sum += g[i]! * g[i]!
  return Math.sqrt(sum)
}

/** L2 norm of one tensor. */
export const norm = (g: Float32Array): number => {
  let sum = 0
  for (let i = 0; i < g.length; i++) sum += g[i]! * g[i]!
  return Math.sqrt(sum)
}

/**
 * Scales gradients in place so their global norm is at most `maxNorm` (torch's
 * `clip_grad_norm_`: factor maxNorm / (norm + 1e-6), applied only when < 1). Returns the norm
 * before clipping.
 */
export const clipGlobalNorm = (grads: Record<string, Float32Array>, maxNorm: number): number => {
  const total = globalNorm(grads)
  const coef = maxNorm / (total + 1e-6)
  if (coef < 1) for (const g of Object.values(grads)) for (let i = 0; i < g.length; i++) g[i] = g[i]! * coef
  return total
}
