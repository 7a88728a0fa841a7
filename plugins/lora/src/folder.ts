/**
 * The LoRA stage's output folder: the input model's adapters (copied, in their order), then the
 * new PEFT adapter at the folder's top (`adapter_model.safetensors` + `adapter_config.json`, so
 * the folder is also a PEFT adapter folder), and `zaoji-model.json` naming the base last.
 */
import { copyFileSync, existsSync, mkdirSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { LORA_CONFIG_FILE, LORA_WEIGHTS_FILE, writeLoraAdapter, type AdapterRef, type LoraSettings } from "@zaoji/glm-runtime"
import { writeAdapterModel } from "@zaoji/fine-tuning"
import type { HostTensor } from "@zaoji/tensor"

const copyInto = (fromDir: string, file: string, toDir: string, as: string): void => {
  const src = join(fromDir, file)
  if (!existsSync(src)) throw new Error(`${src}: adapter file listed in the input model's manifest is missing`)
  mkdirSync(dirname(join(toDir, as)), { recursive: true })
  copyFileSync(src, join(toDir, as))
}

/** Copy the input model's adapter files; an earlier LoRA adapter moves into its own subfolder. */
const carryAdapters = (modelDir: string, adapters: ReadonlyArray<AdapterRef>, outDir: string): AdapterRef[] =>
  adapters.map((a, i) => {
    if (a.type !== "lora") {
      copyInto(modelDir, a.file, outDir, a.file)
      return a
    }
    const sub = `lora-${i}`
    copyInto(modelDir, a.file, outDir, join(sub, LORA_WEIGHTS_FILE))
    copyInto(modelDir, a.config, outDir, join(sub, LORA_CONFIG_FILE))
    return { type: "lora", file: join(sub, LORA_WEIGHTS_FILE), config: join(sub, LORA_CONFIG_FILE) }
  })

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
