/**
 * TensorFlow.js backend selection: tfjs-node-gpu → webgpu on a hardware adapter → tfjs-node → wasm →
 * cpu, each tried with a dynamic import so that an absent optional package costs nothing.
 * `ZAOJI_BACKEND` or `setBackendOverride` (the CLI's `--backend` flag) picks one; only then is a
 * software WebGPU adapter (lavapipe, SwiftShader) used. The choice is logged once.
 */
import * as tf from "@tensorflow/tfjs"
import { installWasmSlice } from "./wasmSlice.js"
import { describeAdapter, registerWebGpu, webGpuAdapter, type AdapterSummary } from "./webgpu.js"

// tfjs prints a multi-line "install tfjs-node" banner on the first cpu-backend tensor in Node; the
// backend choice is logged by us instead, and PROD also skips tfjs's debug-only checks
tf.env().set("PROD", true)

export type BackendName = "tensorflow-gpu" | "webgpu" | "tensorflow" | "wasm" | "cpu"

export const backendOrder: ReadonlyArray<BackendName> = ["tensorflow-gpu", "webgpu", "tensorflow", "wasm", "cpu"]

const aliases: Readonly<Record<string, BackendName>> = {
  "tensorflow-gpu": "tensorflow-gpu",
  "tfjs-node-gpu": "tensorflow-gpu",
  gpu: "tensorflow-gpu",
  tensorflow: "tensorflow",
  "tfjs-node": "tensorflow",
  node: "tensorflow",
  webgpu: "webgpu",
  dawn: "webgpu",
  wasm: "wasm",
  cpu: "cpu"
}

/** Parse a user-given backend name (env var or CLI flag); throws a clear error on an unknown one. */
export const parseBackendName = (raw: string, source = "backend"): BackendName => {
  const name = aliases[raw.trim().toLowerCase()]
  if (name === undefined) {
    throw new Error(`${source}: unknown backend "${raw}"; expected one of ${Object.keys(aliases).join(", ")}`)
  }
  return name
}

let override: BackendName | undefined
let chosen: Promise<BackendName> | undefined
let logger: (message: string) => void = (m) => process.stderr.write(`${m}\n`)

/** Force a backend (CLI `--backend`). Must be called before the first `ensureBackend`. */
export const setBackendOverride = (name: BackendName | string | undefined): void => {
  override = name === undefined ? undefined : parseBackendName(name, "--backend")
  chosen = undefined
}

/** Where the one-line "backend: …" notice goes (default stderr). */
export const setBackendLogger = (log: (message: string) => void): void => {
  logger = log
}

/** `true`, or why the backend cannot be used here */
const tryLoad = async (name: BackendName, requested: boolean): Promise<true | string> => {
  try {
    switch (name) {
      case "tensorflow-gpu":
        // optional packages: resolved at run time only
        await import(/* @vite-ignore */ "@tensorflow/tfjs-node-gpu" as string)
        break
      case "tensorflow":
        await import(/* @vite-ignore */ "@tensorflow/tfjs-node" as string)
        break
      case "webgpu": {
        // a software adapter computes correctly but slower than WASM: only when asked for
        const r = await registerWebGpu({ allowSoftware: requested })
        if ("reason" in r) return r.reason
        break
      }
      case "wasm":
        await import("@tensorflow/tfjs-backend-wasm")
        installWasmSlice()
        break
      case "cpu":
        break
    }
    return (await tf.setBackend(name)) ? true : `tf.setBackend("${name}") failed`
  } catch (e) {
    return e instanceof Error ? e.message : String(e)
  }
}

/** The chosen backend, and the WebGPU adapter when it is webgpu: logged, and recorded in manifests. */
export interface BackendInfo {
  readonly name: BackendName
  readonly adapter?: AdapterSummary
}

let chosenInfo: BackendInfo | undefined

const settle = (name: BackendName): BackendInfo => {
  const adapter = name === "webgpu" ? webGpuAdapter() : undefined
  chosenInfo = adapter === undefined ? { name } : { name, adapter }
  return chosenInfo
}

const notice = (info: BackendInfo, suffix: string): string =>
  `backend: ${info.name}${info.adapter !== undefined ? ` (${describeAdapter(info.adapter)})` : ""}${suffix}`

const select = async (): Promise<BackendName> => {
  const env = process.env.ZAOJI_BACKEND
  const wanted = override ?? (env !== undefined && env !== "" ? parseBackendName(env, "ZAOJI_BACKEND") : undefined)
  if (wanted !== undefined) {
    const r = await tryLoad(wanted, true)
    if (r !== true) throw new Error(`backend "${wanted}" was requested but could not be loaded: ${r}`)
    await tf.ready()
    logger(notice(settle(wanted), " (requested)"))
    return wanted
  }
  const skipped: string[] = []
  for (const name of backendOrder) {
    const r = await tryLoad(name, false)
    if (r === true) {
      await tf.ready()
      // a WebGPU adapter that was passed over is worth a word: the user may want it
      logger(notice(settle(name), skipped.length > 0 ? `; ${skipped.join("; ")}` : ""))
      return name
    }
    if (name === "webgpu" && r.startsWith("the only WebGPU adapter is a software one")) skipped.push(`webgpu not used: ${r}`)
  }
  throw new Error("no TensorFlow.js backend could be loaded")
}

/** Select (once) and initialise the backend; later calls return the same choice. */
export const ensureBackend = (): Promise<BackendName> => {
  if (chosen === undefined) chosen = select()
  return chosen
}

/** The backend in use and its adapter (after `ensureBackend`/`useBackend`; else the current tfjs backend). */
export const backendInfo = (): BackendInfo => {
  const current = tf.getBackend()
  if (chosenInfo !== undefined && chosenInfo.name === current) return chosenInfo
  return aliases[current] !== undefined ? settle(aliases[current]!) : { name: current as BackendName }
}

/** Switch to a specific backend now (tests run the same code on wasm, cpu and webgpu). */
export const useBackend = async (name: BackendName): Promise<void> => {
  const r = await tryLoad(name, true)
  if (r !== true) throw new Error(`backend "${name}" could not be loaded: ${r}`)
  await tf.ready()
  settle(name)
  chosen = Promise.resolve(name)
}

export const currentBackend = (): string => tf.getBackend()
