/**
 * `zaoji-model.json`: a model that is a base plus adapters.
 *
 *   { "base": "../base"            // folder of the base model, relative to this file's folder
 *                                  // (default ".": config + weights live here too)
 *     "adapters": [
 *       { "type": "prefix", "file": "prefix_encoder.safetensors", "pre_seq_len": 16, "prefix_projection": false },
 *       { "type": "delta",  "file": "delta.safetensors", "mode": "replace" } ] }
 *
 *       { "type": "lora", "file": "adapter_model.safetensors", "config": "adapter_config.json" } ] }
 *
 * A prefix adapter holds the P-Tuning v2 encoder (`transformer.prefix_encoder.*`). A delta holds
 * official-name tensors of a freeze-tuned model: "replace" (default) substitutes them for the
 * base's, "add" adds them to the base's. A LoRA adapter is a PEFT adapter (PEFT tensor names and
 * its `adapter_config.json`); it is merged into the weights it adapts as the folder loads.
 * Adapters apply in the order listed.
 */
import { Either, ParseResult, Schema } from "effect"

export const PrefixAdapter = Schema.Struct({
  type: Schema.Literal("prefix"),
  file: Schema.String,
  pre_seq_len: Schema.Int.pipe(Schema.positive()),
  prefix_projection: Schema.optionalWith(Schema.Boolean, { default: () => false })
})

export const DeltaAdapter = Schema.Struct({
  type: Schema.Literal("delta"),
  file: Schema.String,
  mode: Schema.optionalWith(Schema.Literal("replace", "add"), { default: () => "replace" as const })
})

export const LoraAdapter = Schema.Struct({
  type: Schema.Literal("lora"),
  file: Schema.optionalWith(Schema.String, { default: () => "adapter_model.safetensors" }),
  /** PEFT's adapter_config.json, relative to the manifest's folder */
  config: Schema.optionalWith(Schema.String, { default: () => "adapter_config.json" })
})

export const ModelManifestSchema = Schema.Struct({
  base: Schema.optionalWith(Schema.String, { default: () => "." }),
  adapters: Schema.optionalWith(Schema.Array(Schema.Union(PrefixAdapter, DeltaAdapter, LoraAdapter)), { default: () => [] })
})
export type ModelManifest = typeof ModelManifestSchema.Type
export type ModelManifestEncoded = typeof ModelManifestSchema.Encoded
export type AdapterRef = ModelManifest["adapters"][number]

export class ModelFolderError extends Error {
  constructor(readonly file: string, readonly detail: string) {
    super(`${file}: ${detail}`)
    this.name = "ModelFolderError"
  }
}

export const decodeManifest = (raw: unknown, file: string): ModelManifest => {
  const r = Schema.decodeUnknownEither(ModelManifestSchema, { errors: "all" })(raw)
  if (Either.isLeft(r)) {
    const msg = ParseResult.ArrayFormatter.formatErrorSync(r.left).map((i) => `field "${i.path.join(".")}": ${i.message}`).join("; ")
    throw new ModelFolderError(file, `invalid model manifest: ${msg}`)
  }
  return r.right
}
