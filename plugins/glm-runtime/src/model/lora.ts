/**
 * LoRA (low-rank adaptation) on the layer linears: a target linear computes
 *
 *     y = W x + b + s · B (A x)          A: [r, in], B: [out, r], s = lora_alpha / r
 *
 * (s = lora_alpha / √r with rsLoRA), as PEFT's `LoraLayer` does. The adapter tensors sit in the
 * weight map beside the base weights under the official module path plus PEFT's suffix
 * (`transformer.layers.0.attention.query_key_value.lora_A.weight`); on disk PEFT adds its wrapper
 * prefix `base_model.model.`. The settings travel in the config as `zaoji_lora` while the adapter
 * is unmerged (training); a loaded model folder has its adapters merged into W.
 */
import * as tf from "@tensorflow/tfjs"
import { baseWeightShapes } from "./names.js"
import type { GlmConfig, LoraSettings, WeightShapes } from "./types.js"
import { LORA_MODULES } from "./loraModules.js"

/** the linears LoRA may target, by the last part of their module path */
export { LORA_MODULES } from "./loraModules.js"

/** PEFT's prefix of every saved tensor name (`PeftModel.base_model.model`) */
export const PEFT_PREFIX = "base_model.model."

export class LoraSelectionError extends Error {
  override readonly name = "LoraSelectionError"
  constructor(readonly field: "target_modules" | "layers_to_transform", message: string) {
    super(message)
  }
}

export const loraScaling = (s: LoraSettings): number => (s.use_rslora ? s.lora_alpha / Math.sqrt(s.r) : s.lora_alpha / s.r)

/** `…query_key_value.weight` → `…query_key_value.lora_A.weight` / `.lora_B.weight` */
export const loraNames = (weightName: string): { readonly a: string; readonly b: string } => {
  const module = weightName.replace(/\.weight$/, "")
  return { a: `${module}.lora_A.weight`, b: `${module}.lora_B.weight` }
}

export const toPeftName = (name: string): string => `${PEFT_PREFIX}${name}`

/** A PEFT tensor name without its wrapper prefix (names already without it pass unchanged). */
export const fromPeftName = (name: string): string => (name.startsWith(PEFT_PREFIX) ? name.slice(PEFT_PREFIX.length) : name)

const layerOf = (module: string): number | undefined => {
  const m = /(?:^|\.)layers\.(\d+)\./.exec(`${module}.`)
  return m === null ? undefined : Number(m[1])
}

// PEFT: a string is a regular expression the whole module path must match; a list names modules
// by their path or its trailing parts
const moduleMatches = (module: string, targets: LoraSettings["target_modules"]): boolean =>
  typeof targets === "string"
    ? new RegExp(`^(?:${targets})$`).test(module)
    : targets.some((t) => module === t || module.endsWith(`.${t}`))

/**
 * The base weight names (`….weight`) that carry LoRA under these settings: layer linears whose
 * module path matches `target_modules`, in the layers of `layers_to_transform` (all when null).
 * A selection that matches nothing, or names a layer the model does not have, is an error.
 */
export const loraTargets = (cfg: GlmConfig, s: LoraSettings): string[] => {
  const shapes = baseWeightShapes(cfg)
  const layers = s.layers_to_transform === null ? undefined : typeof s.layers_to_transform === "number" ? [s.layers_to_transform] : s.layers_to_transform
  const count = cfg.num_layers
  const bad = (layers ?? []).filter((l) => l < 0 || l >= count)
  if (bad.length > 0) throw new LoraSelectionError("layers_to_transform", `layers ${bad.join(", ")}: expected layer indices 0 … ${count - 1} (the model has ${count} layers)`)
  const out: string[] = []
  for (const [name, shape] of Object.entries(shapes)) {
    if (shape.length !== 2 || !name.endsWith(".weight")) continue
    const module = name.slice(0, -".weight".length)
    const layer = layerOf(module)
    if (layer === undefined || !LORA_MODULES.some((m) => module.endsWith(`.${m}`))) continue
    if (layers !== undefined && !layers.includes(layer)) continue
    if (moduleMatches(module, s.target_modules)) out.push(name)
  }
  if (out.length === 0) {
    throw new LoraSelectionError(
      "target_modules",
      `target_modules ${JSON.stringify(s.target_modules)} match no linear of the selected layers; expected some of ${LORA_MODULES.map((m) => `"${m}"`).join(", ")}`
    )
  }
  return out
}

/** Shapes of the adapter tensors (empty without `zaoji_lora`). */
export const loraWeightShapes = (cfg: GlmConfig): WeightShapes => {
  const s = cfg.zaoji_lora
  if (s === undefined) return {}
  const shapes = baseWeightShapes(cfg)
  const out: Record<string, number[]> = {}
  for (const name of loraTargets(cfg, s)) {
    const [outDim, inDim] = shapes[name]!
    const n = loraNames(name)
    out[n.a] = [s.r, inDim!]
    out[n.b] = [outDim!, s.r]
  }
  return out
}

/**
 * Merge adapter tensors into the weights they adapt: W ← W + s · B A (PEFT's `merge_and_unload`).
 * `weights` maps official names to tensors and is updated in place; replaced base tensors and the
 * adapter tensors are disposed.
 */
export const mergeLoraInto = (
  weights: Record<string, tf.Tensor>,
  cfg: GlmConfig,
  settings: LoraSettings,
  adapter: Readonly<Record<string, tf.Tensor>>
): void => {
  const scale = loraScaling(settings)
  for (const name of loraTargets(cfg, settings)) {
    const n = loraNames(name)
    const a = adapter[n.a]
    const b = adapter[n.b]
    if (a === undefined || b === undefined) throw new Error(`LoRA tensors of ${name} are missing`)
    const old = weights[name]
    if (old === undefined) throw new Error(`LoRA target "${name}" is not in the weights`)
    weights[name] = tf.tidy(() => tf.add(old, tf.mul(tf.matMul(b as tf.Tensor2D, a as tf.Tensor2D), scale)))
    old.dispose()
  }
  for (const t of Object.values(adapter)) t.dispose()
}
