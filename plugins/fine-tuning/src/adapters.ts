/**
 * Writing a trained model as a model folder that builds on a base folder: adapter safetensors
 * (official names) plus `zaoji-model.json` naming the base by relative path (store folders sit at
 * the same depth, so the path stays valid when the engine moves the artifact into the store).
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { writeFileAtomic, writeSafetensors, type HostTensor } from "@zaoji/tensor"
import {
  decodeManifest,
  DELTA_FILE,
  LORA_CONFIG_FILE,
  LORA_WEIGHTS_FILE,
  MANIFEST_FILE,
  PREFIX_FILE,
  resolveModelFolder,
  type AdapterRef
} from "@zaoji/glm-runtime"

export interface AdapterOutput {
  readonly prefix?: { readonly tensors: ReadonlyMap<string, HostTensor>; readonly preSeqLen: number; readonly prefixProjection: boolean }
  readonly delta?: ReadonlyMap<string, HostTensor>
  /**
   * adapters whose files were already copied into the output folder (`carryAdapters`), kept in their
   * order between a new prefix and a new delta: adapters apply in manifest order, and a new delta
   * holds the final values of its tensors (an input LoRA's merge included), so it must come last
   */
  readonly carried?: ReadonlyArray<AdapterRef>
}

/** Write `outDir` as base folder `baseDir` + the given adapters. Returns the manifest's adapters. */
export const writeAdapterModel = (outDir: string, baseDir: string, out: AdapterOutput): AdapterRef[] => {
  mkdirSync(outDir, { recursive: true })
  const adapters: Array<Record<string, unknown>> = []
  if (out.prefix) {
    writeSafetensors(join(outDir, PREFIX_FILE), out.prefix.tensors)
    adapters.push({ type: "prefix", file: PREFIX_FILE, pre_seq_len: out.prefix.preSeqLen, prefix_projection: out.prefix.prefixProjection })
  }
  for (const a of out.carried ?? []) adapters.push({ ...a })
  if (out.delta && out.delta.size > 0) {
    writeSafetensors(join(outDir, DELTA_FILE), out.delta, { metadata: { zaoji_delta_mode: "replace" } })
    adapters.push({ type: "delta", file: DELTA_FILE, mode: "replace" })
  }
  const manifest = { base: relative(resolve(outDir), resolve(baseDir)) || ".", adapters }
  // manifest last: a folder without it is not a model that builds on the base
  writeFileAtomic(join(outDir, MANIFEST_FILE), [Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`)])
  return [...decodeManifest(manifest, join(outDir, MANIFEST_FILE)).adapters]
}

/** The base folder and adapters of a model folder (a plain folder is its own base). */
export const describeModelFolder = (dir: string): { baseDir: string; adapters: ReadonlyArray<AdapterRef>; rawBaseConfig: Record<string, unknown> } => {
  const { baseDir, manifest } = resolveModelFolder(dir)
  const rawBaseConfig = JSON.parse(readFileSync(join(baseDir, "config.json"), "utf8")) as Record<string, unknown>
  return { baseDir, adapters: manifest?.adapters ?? [], rawBaseConfig }
}

/** Copy a file of an input model folder (e.g. its prefix adapter) into an output folder, under `as`. */
export const copyAdapterFile = (fromDir: string, file: string, toDir: string, as: string = file): void => {
  const src = join(fromDir, file)
  if (!existsSync(src)) throw new Error(`${src}: adapter file listed in ${MANIFEST_FILE} is missing`)
  mkdirSync(dirname(join(toDir, as)), { recursive: true })
  copyFileSync(src, join(toDir, as))
}

/**
 * Copy the given adapters of an input model folder into an output folder and return their entries
 * there. A LoRA adapter moves into a subfolder of its own (`lora-<i>/`, PEFT's file names), so it
 * never collides with a new PEFT adapter at the folder's top.
 */
export const carryAdapters = (modelDir: string, adapters: ReadonlyArray<AdapterRef>, outDir: string): AdapterRef[] =>
  adapters.map((a, i) => {
    if (a.type !== "lora") {
      copyAdapterFile(modelDir, a.file, outDir)
      return a
    }
    const sub = `lora-${i}`
    copyAdapterFile(modelDir, a.file, outDir, join(sub, LORA_WEIGHTS_FILE))
    copyAdapterFile(modelDir, a.config, outDir, join(sub, LORA_CONFIG_FILE))
    return { type: "lora", file: join(sub, LORA_WEIGHTS_FILE), config: join(sub, LORA_CONFIG_FILE) }
  })
