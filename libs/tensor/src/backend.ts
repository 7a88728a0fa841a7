/**
 * TensorFlow.js backend selection: tfjs-node-gpu → tfjs-node → wasm → cpu, each tried with a dynamic
 * import so that an absent optional package costs nothing. `ZAOJI_BACKEND` or `setBackendOverride`
 * (the CLI's `--backend` flag) picks one; the choice is logged once.
 */
import * as tf from "@tensorflow/tfjs"
import { installWasmSlice } from "./wasmSlice.js"

// tfjs prints a multi-line "install tfjs-node" banner on the first cpu-backend tensor in Node; the
// backend choice is logged by us instead, and PROD also skips tfjs's debug-only checks
tf.env().set("PROD", true)

export type BackendName = "tensorflow-gpu" | "tensorflow" | "wasm" | "cpu"

export const backendOrder: ReadonlyArray<BackendName> = ["tensorflow-gpu", "tensorflow", "wasm", "cpu"]

const aliases: Readonly<Record<string, BackendName>> = {
  "tensorflow-gpu": "tensorflow-gpu",
  "tfjs-node-gpu": "tensorflow-gpu",
  gpu: "tensorflow-gpu",
  tensorflow: "tensorflow",
  "tfjs-node": "tensorflow",
  node: "tensorflow",
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

const tryLoad = async (name: BackendName): Promise<boolean> => {
  try {
    switch (name) {
      case "tensorflow-gpu":
        // optional packages: resolved at run time only
        await import(/* @vite-ignore */ "@tensorflow/tfjs-node-gpu" as string)
        break
      case "tensorflow":
        await import(/* @vite-ignore */ "@tensorflow/tfjs-node" as string)
        break
      case "wasm":
        await import("@tensorflow/tfjs-backend-wasm")
        installWasmSlice()
        break
      case "cpu":
        break
    }
    return await tf.setBackend(name)
  } catch {
    return false
  }
}

const select = async (): Promise<BackendName> => {
  const env = process.env.ZAOJI_BACKEND
  const wanted = override ?? (env !== undefined && env !== "" ? parseBackendName(env, "ZAOJI_BACKEND") : undefined)
  if (wanted !== undefined) {
    if (!(await tryLoad(wanted))) throw new Error(`backend "${wanted}" was requested but could not be loaded`)
    await tf.ready()
    logger(`backend: ${wanted} (requested)`)
    return wanted
  }
  for (const name of backendOrder) {
    if (await tryLoad(name)) {
      await tf.ready()
      logger(`backend: ${name}`)
      return name
    }
  }
  throw new Error("no TensorFlow.js backend could be loaded")
}

/** Select (once) and initialise the backend; later calls return the same choice. */
export const ensureBackend = (): Promise<BackendName> => {
  if (chosen === undefined) chosen = select()
  return chosen
}

/** Switch to a specific backend now (tests run the same code on wasm and cpu). */
export const useBackend = async (name: BackendName): Promise<void> => {
  if (!(await tryLoad(name))) throw new Error(`backend "${name}" could not be loaded`)
  await tf.ready()
  chosen = Promise.resolve(name)
}

export const currentBackend = (): string => tf.getBackend()
