/**
 * From the stage's options to PEFT's LoRA settings, and the adapter's starting values as PEFT
 * initialises them: A ~ U(−1/√in, 1/√in) (kaiming-uniform with a = √5), B = 0, so the tuned
 * model starts exactly at its input model. Seeded per (seed, tensor name): every worker thread
 * and every resumed run starts from the same A.
 */
import { LORA_MODULES, loraWeightShapes, type GlmConfig, type LoraSettings } from "@zaoji/glm-runtime"
import type { HostTensor } from "@zaoji/tensor"
import { Rng } from "@zaoji/training"

export type LoraModule = (typeof LORA_MODULES)[number]

export interface LoraOptions {
  readonly rank: number
  readonly alpha: number
  readonly dropout: number
  readonly targetModules: ReadonlyArray<LoraModule>
  /** layer indices; absent = every layer */
  readonly layers?: ReadonlyArray<number> | undefined
  readonly rslora: boolean
}

export const loraSettings = (o: LoraOptions): LoraSettings => ({
  r: o.rank,
  lora_alpha: o.alpha,
  lora_dropout: o.dropout,
  target_modules: [...o.targetModules],
  layers_to_transform: o.layers === undefined ? null : [...o.layers],
  use_rslora: o.rslora
})

const nameHash = (s: string): number => {
  let h = 2166136261
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619)
  return h >>> 0
}

/** PEFT's initial A and B for every adapted linear of `cfg` (which carries `zaoji_lora`). */
export const initialAdapter = (cfg: GlmConfig, seed: number): Map<string, HostTensor> => {
  const out = new Map<string, HostTensor>()
  for (const [name, shape] of Object.entries(loraWeightShapes(cfg))) {
    const n = shape[0]! * shape[1]!
    if (name.endsWith(".lora_B.weight")) {
      out.set(name, { shape, data: new Float32Array(n) })
      continue
    }
    const bound = 1 / Math.sqrt(shape[1]!)
    const rng = new Rng((seed ^ nameHash(name)) >>> 0)
    out.set(name, { shape, data: Float32Array.from({ length: n }, () => (rng.next() * 2 - 1) * bound) })
  }
  return out
}
