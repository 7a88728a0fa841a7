/**
 * Seeded initialisation of tensors no file provides: a base model trained from scratch, or a fresh
 * P-Tuning v2 prefix encoder. Deterministic per (seed, tensor name), so every worker thread and
 * every resumed run starts from the same values.
 */
import { Rng } from "@zaoji/training"
import { isPrefixTensor, prefixNames, prefixWeightShapes, type GlmConfig } from "@zaoji/glm-runtime"

const nameHash = (s: string): number => {
  let h = 2166136261
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619)
  return h >>> 0
}

/** std of the base model's normal initialisation (as the HF `_init_weights` of GLM models) */
export const INIT_STD = 0.02

export const initTensor = (cfg: GlmConfig, name: string, shape: ReadonlyArray<number>, seed: number): Float32Array => {
  const n = shape.reduce((a, b) => a * b, 1)
  const rng = new Rng((seed ^ nameHash(name)) >>> 0)
  const normal = (std: number) => Float32Array.from({ length: n }, () => rng.normal() * std)
  if (isPrefixTensor(name)) {
    // torch defaults, as the official PrefixEncoder leaves them: Embedding N(0, 1); Linear
    // weight and bias U(-1/sqrt(in), 1/sqrt(in))
    if (name === prefixNames.embedding) return normal(1)
    const weightShape = prefixWeightShapes(cfg)[name.replace(/\.bias$/, ".weight")] ?? shape
    const bound = 1 / Math.sqrt(weightShape[1] ?? weightShape[0]!)
    return Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * bound)
  }
  if (name.includes("layernorm") && name.endsWith(".weight")) return new Float32Array(n).fill(1)
  if (name.endsWith(".bias")) return new Float32Array(n)
  return normal(INIT_STD)
}
