/**
 * The LoRA stage's output folder: the input model's adapters (copied, in their order), then the
 * new PEFT adapter at the folder's top (`adapter_model.safetensors` + `adapter_config.json`, so
 * the folder is also a PEFT adapter folder), and `zaoji-model.json` naming the base last.
 */
import { mkdirSync } from "node:fs"
import { relative, resolve } from "node:path"
import { writeLoraAdapter, type AdapterRef, type LoraSettings } from "@zaoji/glm-runtime"
import { carryAdapters, writeAdapterModel } from "@zaoji/fine-tuning/kit"
import type { HostTensor } from "@zaoji/tensor"

export const writeLoraModel = (args: {
  readonly outDir: string
  readonly inputDir: string
  readonly baseDir: string
  readonly inputAdapters: ReadonlyArray<AdapterRef>
  readonly settings: LoraSettings
  readonly tensors: ReadonlyMap<string, HostTensor>
}): AdapterRef[] => {
  mkdirSync(args.outDir, { recursive: true })
  const carried = carryAdapters(args.inputDir, args.inputAdapters, args.outDir)
  const lora = writeLoraAdapter(args.outDir, args.settings, args.tensors, {
    baseModel: relative(resolve(args.outDir), resolve(args.baseDir)) || "."
  })
  return writeAdapterModel(args.outDir, args.baseDir, { carried: [...carried, lora] })
}
