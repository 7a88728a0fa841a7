/**
 * Which tensors freeze tuning trains: every tensor of the last N transformer layers (the paper
 * uses 5), optionally only the modules matching patterns (LLaMA-Factory's
 * `freeze_trainable_modules`: "mlp", "attention", "input_layernorm", …), optionally the final norm.
 * Embeddings and the LM head always stay frozen.
 */
import { baseWeightShapes, dimsOf, glm1Names, glm2Names, type GlmConfig } from "@zaoji/glm-runtime"

export interface FreezeSelection {
  readonly trainableLayers: number
  /** module patterns inside a layer; empty or ["all"] = the whole layer */
  readonly trainableModules?: ReadonlyArray<string>
  readonly trainFinalNorm?: boolean
}

// glm1 calls the attention module "attention", glm2 "self_attention": either name selects both
const aliases: Readonly<Record<string, ReadonlyArray<string>>> = {
  attention: ["attention", "self_attention"],
  self_attention: ["attention", "self_attention"]
}

const matches = (inLayer: string, pattern: string): boolean => {
  const parts = inLayer.split(".")
  return (aliases[pattern] ?? [pattern]).some((p) => {
    const pp = p.split(".")
    for (let i = 0; i + pp.length <= parts.length; i++) if (pp.every((x, j) => parts[i + j] === x)) return true
    return false
  })
}

export class FreezeSelectionError extends Error {
  override readonly name = "FreezeSelectionError"
  constructor(readonly field: string, message: string) {
    super(message)
  }
}

export const freezeTrainable = (cfg: GlmConfig, sel: FreezeSelection): string[] => {
  const d = dimsOf(cfg)
  if (sel.trainableLayers < 1 || sel.trainableLayers > d.layers) {
    throw new FreezeSelectionError("trainableLayers", `trainableLayers ${sel.trainableLayers}: expected 1 … ${d.layers} (the model has ${d.layers} layers)`)
  }
  const names = cfg.zaoji_arch === "glm1" ? glm1Names : glm2Names
  const modules = (sel.trainableModules ?? []).filter((m) => m !== "all")
  const out: string[] = []
  const all = Object.keys(baseWeightShapes(cfg))
  const used = new Set<string>()
  for (let i = d.layers - sel.trainableLayers; i < d.layers; i++) {
    const prefix = names.layer(i)
    for (const n of all) {
      if (!n.startsWith(prefix)) continue
      const inLayer = n.slice(prefix.length)
      if (modules.length === 0) out.push(n)
      else {
        const hit = modules.filter((m) => matches(inLayer, m))
        if (hit.length > 0) {
          out.push(n)
          hit.forEach((m) => used.add(m))
        }
      }
    }
  }
  const unused = modules.filter((m) => !used.has(m))
  if (unused.length > 0) {
    const example = all.find((n) => n.startsWith(names.layer(d.layers - 1)))!.slice(names.layer(d.layers - 1).length)
    throw new FreezeSelectionError("trainableModules", `trainableModules "${unused.join('", "')}" match no tensor of the last layers; expected module names such as "mlp", "attention", "input_layernorm" (e.g. ${example})`)
  }
  if (sel.trainFinalNorm) out.push(...all.filter((n) => n.startsWith(names.finalNorm)))
  return out
}
