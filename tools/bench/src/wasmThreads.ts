/**
 * tfjs-backend-wasm's threaded SIMD build, hosted in Node.
 *
 * tfjs-backend-wasm 4.22 never picks its threaded build in Node: the `WASM_HAS_MULTITHREAD_SUPPORT`
 * flag answers `false` whenever `IS_NODE` is set. Forcing the flag on does not help either: `init()`
 * hands Emscripten the pthread worker script as a `blob:` URL (`URL.createObjectURL(new Blob(…))`),
 * and Node's `worker_threads.Worker` accepts only file paths and `file:`/`data:` URLs, so the first
 * pthread fails with `ERR_WORKER_PATH` (`allocateUnusedWorker` → `new Worker("blob:nodedata:…")`).
 * `stockThreadedFailure` reproduces exactly that.
 *
 * The Emscripten module itself does support Node (its pthread workers use `worker_threads`), so
 * `installThreadedWasm` calls the same factory with what Node can load: the worker script written
 * to a file, the factory's own file as the script each pthread evaluates, and the threaded `.wasm`
 * beside it. The module is then wrapped exactly as `init()` wraps it and registered as the "wasm"
 * backend, so every kernel (and the project's own kernel overrides) runs unchanged.
 */
import * as tf from "@tensorflow/tfjs"
import { BackendWasm, getThreadsCount, setThreadsCount } from "@tensorflow/tfjs-backend-wasm"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import os, { tmpdir } from "node:os"
import { dirname, join } from "node:path"

const require = createRequire(import.meta.url)

/** The Emscripten output shipped in the package (CommonJS, loadable by path). */
const wasmOut = (file: string): string => require.resolve(`@tensorflow/tfjs-backend-wasm/wasm-out/${file}`)

type EmscriptenFactory = (config: Record<string, unknown>) => Promise<EmscriptenModule>

interface EmscriptenModule {
  cwrap(name: string, ret: string | null, args: ReadonlyArray<string>): (...a: number[]) => number
  tfjs?: Record<string, unknown>
  PThread?: { terminateAllThreads(): void }
}

/**
 * The stock path, forced: the flag set to true, then `tf.setBackend("wasm")`. Resolves to the
 * error tfjs raised (its message and the top frames), or `undefined` if it worked. Run it in a
 * process of its own: a failed initialisation leaves the backend unusable in that process.
 */
export const stockThreadedFailure = async (threads: number): Promise<string | undefined> => {
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true)
  setThreadsCount(threads)
  // tfjs logs the failure and resolves setBackend to false; capture what it logs
  const logged: string[] = []
  const warn = console.warn
  console.warn = (...a: unknown[]) => {
    logged.push(a.map((x) => (x instanceof Error ? (x.stack ?? x.message) : String(x))).join(" "))
  }
  try {
    const ok = await tf.setBackend("wasm")
    if (ok) return undefined
    return logged.join("\n") || "tf.setBackend('wasm') returned false without a message"
  } catch (e) {
    return (e as Error).stack ?? String(e)
  } finally {
    console.warn = warn
  }
}

let hosted: { dir: string; module: EmscriptenModule } | undefined

/**
 * Register the threaded SIMD build as the "wasm" backend with `threads` XNNPACK threads and switch
 * to it. Returns the thread count the backend reports. Call before any other backend is initialised
 * as "wasm" in this process.
 */
export const installThreadedWasm = async (threads: number): Promise<number> => {
  if (!(await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"))) throw new Error("this Node has no WebAssembly SIMD: the threaded build needs it")
  const factoryPath = wasmOut("tfjs-backend-wasm-threaded-simd.js")
  const factory = require(factoryPath) as EmscriptenFactory
  // the package ships the pthread worker as a string (`wasmWorkerContents`) for a Blob; Node needs a file
  const { wasmWorkerContents } = require(wasmOut("tfjs-backend-wasm-threaded-simd.worker.js")) as { wasmWorkerContents: string }
  const dir = mkdtempSync(join(tmpdir(), "zaoji-wasm-pthread-"))
  const workerPath = join(dir, "pthread-worker.cjs")
  // the string is a template literal whose "\n" escapes became real newlines inside JS strings; tfjs
  // escapes them again before making its Blob, and so must we
  writeFileSync(workerPath, wasmWorkerContents.replace(/\n/g, "\\n"))
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }))
  setThreadsCount(threads)
  tf.removeBackend("wasm")
  tf.registerBackend(
    "wasm",
    async () => {
      // The C++ side caps the pool at emscripten_num_logical_cores() / 2 ("2 threads per core"),
      // read once by a static initialiser as `require("os").cpus().length` in Node: on 2 vCPUs that
      // is one thread whatever setThreadsCount says. Report 2 × threads CPUs while it initialises.
      const cpus = os.cpus
      const realCpus = cpus()
      os.cpus = () => Array.from({ length: Math.max(realCpus.length, 2 * threads) }, (_, i) => realCpus[i % realCpus.length]!)
      const module = await factory({
        locateFile: (path: string) =>
          path.endsWith(".worker.js") ? workerPath : path.endsWith(".wasm") ? join(dirname(factoryPath), "tfjs-backend-wasm-threaded-simd.wasm") : join(dirname(factoryPath), path),
        // each pthread evaluates this script (importScripts → readFileSync + eval in the worker)
        mainScriptUrlOrBlob: factoryPath
      }).finally(() => {
        os.cpus = cpus
      })
      // the same bridge as tfjs-backend-wasm's init()
      module.tfjs = {
        init: module.cwrap("init", null, []),
        initWithThreadsCount: module.cwrap("init_with_threads_count", null, ["number"]),
        getThreadsCount: module.cwrap("get_threads_count", "number", []),
        registerTensor: module.cwrap("register_tensor", null, ["number", "number", "number"]),
        disposeData: module.cwrap("dispose_data", null, ["number"]),
        dispose: module.cwrap("dispose", null, [])
      }
      hosted = { dir, module }
      return new BackendWasm(module as never)
    },
    2
  )
  if (!(await tf.setBackend("wasm"))) throw new Error("the threaded SIMD WASM backend failed to initialise (see the message above)")
  await tf.ready()
  return getThreadsCount()
}

/** Stop the pthread workers (they keep the process alive otherwise). */
export const stopThreadedWasm = (): void => {
  hosted?.module.PThread?.terminateAllThreads()
  hosted = undefined
}
