/**
 * PEFT LoRA adapters in a model folder: `adapter_model.safetensors` (tensor names
 * `base_model.model.<module>.lora_A.weight` / `.lora_B.weight`, A `[r, in]`, B `[out, r]`) and the
 * `adapter_config.json` PEFT reads (`peft_type` "LORA", `r`, `lora_alpha`, `target_modules`, …).
 * The same two files load into PEFT (`PeftModel.from_pretrained`) on the official model.
 */
import * as tf from "@tensorflow/tfjs"
import { existsSync, mkdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Either, ParseResult, Schema } from "effect"
import { checkTensorShapes, readSafetensorsHeader, readTensorEntries, writeFileAtomic, writeSafetensors, type HostTensor } from "@zaoji/tensor"
import { fromPeftName, LoraSelectionError, loraWeightShapes, toPeftName } from "../model/lora.js"
import type { GlmConfig, LoraSettings } from "../model/types.js"
import { toTf } from "../weights/tensors.js"
import { ModelFolderError } from "./manifest.js"
import { errorMessage } from "@zaoji/core"

export const LORA_WEIGHTS_FILE = "adapter_model.safetensors"
export const LORA_CONFIG_FILE = "adapter_config.json"

const Empty = (field: string, what: string) =>
  Schema.optional(
    Schema.NullOr(Schema.Record({ key: Schema.String, value: Schema.Unknown })).pipe(
      Schema.filter((r) => r === null || Object.keys(r).length === 0, { message: () => `${field} (${what}) is not supported: expected {}` })
    )
  )

/** The fields of PEFT's `LoraConfig` that change the computation; others (task_type, revision, …) are ignored. */
const PeftLoraConfig = Schema.Struct({
  peft_type: Schema.Literal("LORA"),
  r: Schema.Int.pipe(Schema.positive()),
  lora_alpha: Schema.Number.pipe(Schema.positive()),
  lora_dropout: Schema.optionalWith(Schema.Number.pipe(Schema.greaterThanOrEqualTo(0), Schema.lessThan(1)), { default: () => 0 }),
  target_modules: Schema.Union(Schema.Array(Schema.String), Schema.String),
  layers_to_transform: Schema.optionalWith(Schema.NullOr(Schema.Union(Schema.Int, Schema.Array(Schema.Int))), { default: () => null }),
  use_rslora: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  bias: Schema.optional(Schema.Literal("none").annotations({ message: () => 'bias: expected "none" (adapters that train biases are not supported)' })),
  fan_in_fan_out: Schema.optional(Schema.Literal(false).annotations({ message: () => "fan_in_fan_out: expected false (GLM linears store [out, in])" })),
  use_dora: Schema.optional(Schema.Literal(false).annotations({ message: () => "use_dora: expected false (DoRA is not supported)" })),
  rank_pattern: Empty("rank_pattern", "per-module ranks"),
  alpha_pattern: Empty("alpha_pattern", "per-module alphas"),
  modules_to_save: Schema.optional(
    Schema.NullOr(Schema.Array(Schema.String)).pipe(
      Schema.filter((m) => m === null || m.length === 0, { message: () => "modules_to_save is not supported: expected null" })
    )
  )
})

/** Read and check an adapter_config.json; errors name the file and the field. */
export const readLoraConfig = (file: string): LoraSettings => {
  if (!existsSync(file)) throw new ModelFolderError(file, "missing: a LoRA adapter needs PEFT's adapter_config.json")
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, "utf8"))
  } catch (e) {
    throw new ModelFolderError(file, `not valid JSON (${errorMessage(e)})`)
  }
  const r = Schema.decodeUnknownEither(PeftLoraConfig, { errors: "all" })(raw)
  if (Either.isLeft(r)) {
    const msg = ParseResult.ArrayFormatter.formatErrorSync(r.left).map((i) => `field "${i.path.join(".")}": ${i.message}`).join("; ")
    throw new ModelFolderError(file, `invalid LoRA adapter config: ${msg}`)
  }
  const c = r.right
  return {
    r: c.r,
    lora_alpha: c.lora_alpha,
    lora_dropout: c.lora_dropout,
    target_modules: c.target_modules,
    layers_to_transform: c.layers_to_transform,
    use_rslora: c.use_rslora
  }
}

/** The adapter's config applied to a model config (errors name the adapter config file). */
export const withLora = (cfg: GlmConfig, settings: LoraSettings, file: string): GlmConfig => {
  const out = { ...cfg, zaoji_lora: settings } as GlmConfig
  try {
    loraWeightShapes(out)
  } catch (e) {
    if (e instanceof LoraSelectionError) throw new ModelFolderError(file, `field "${e.field}": ${e.message}`)
    throw e
  }
  return out
}

/**
 * Read a LoRA adapter (its config and tensors) checked against a model config. Tensors come back
 * under the runtime's names (PEFT's wrapper prefix removed).
 */
export const readLoraAdapter = (
  dir: string,
  ref: { readonly file: string; readonly config: string },
  cfg: GlmConfig
): { settings: LoraSettings; tensors: Record<string, tf.Tensor> } => {
  const configFile = join(dir, ref.config)
  const settings = readLoraConfig(configFile)
  const shapes = loraWeightShapes(withLora(cfg, settings, configFile))
  const file = join(dir, ref.file)
  const h = readSafetensorsHeader(file)
  const expected = Object.fromEntries(Object.entries(shapes).map(([n, s]) => [toPeftName(n), s]))
  checkTensorShapes(file, expected, h.entries)
  const host = readTensorEntries(h.entries)
  return { settings, tensors: toTf(new Map([...host].map(([n, t]) => [fromPeftName(n), t]))) }
}

/** Settings for adapter_config.json beyond the LoRA settings. */
export interface LoraAdapterMeta {
  /** PEFT's `base_model_name_or_path` (here: the base folder relative to the adapter folder) */
  readonly baseModel: string
}

/**
 * Write a PEFT adapter folder: `adapter_model.safetensors` with PEFT names (from runtime-name
 * tensors) and `adapter_config.json` with the fields every PEFT version since 0.3 reads.
 */
export const writeLoraAdapter = (
  dir: string,
  settings: LoraSettings,
  tensors: ReadonlyMap<string, HostTensor>,
  meta: LoraAdapterMeta
): { type: "lora"; file: string; config: string } => {
  mkdirSync(dir, { recursive: true })
  writeSafetensors(join(dir, LORA_WEIGHTS_FILE), new Map([...tensors].map(([n, t]) => [toPeftName(n), t])), { metadata: { format: "pt" } })
  const layers = settings.layers_to_transform
  const config = {
    peft_type: "LORA",
    task_type: "CAUSAL_LM",
    base_model_name_or_path: meta.baseModel,
    inference_mode: true,
    r: settings.r,
    lora_alpha: settings.lora_alpha,
    lora_dropout: settings.lora_dropout,
    target_modules: settings.target_modules,
    bias: "none",
    fan_in_fan_out: false,
    modules_to_save: null,
    init_lora_weights: true,
    layers_to_transform: layers,
    // GLM layers sit in `…layers.N.`; naming the pattern keeps PEFT's layer lookup unambiguous
    layers_pattern: layers === null ? null : "layers",
    ...(settings.use_rslora ? { use_rslora: true } : {})
  }
  writeFileAtomic(join(dir, LORA_CONFIG_FILE), [Buffer.from(`${JSON.stringify(config, null, 2)}\n`)])
  return { type: "lora", file: LORA_WEIGHTS_FILE, config: LORA_CONFIG_FILE }
}
