/**
 * Measurements on the threaded SIMD WASM build run in a child process: the backend is chosen once per
 * process, and the benchmark's own process already runs the single-threaded build.
 *
 *   node --import tsx tools/bench/src/threadedChild.ts runtime --threads 2 --gen-tokens 64
 *   node --import tsx tools/bench/src/threadedChild.ts train --threads 2 --mode full --seconds 10
 *
 * The child prints one `RESULT <json>` line on stdout; anything else goes to stderr.
 */
import { execFile } from "node:child_process"
import { fileURLToPath, pathToFileURL } from "node:url"

const entry = fileURLToPath(import.meta.url)
const MARK = "RESULT "

/** Run the child with `args`; resolves to its result, rejects with the child's own error message. */
export const runThreadedChild = <A>(args: ReadonlyArray<string>): Promise<A> =>
  new Promise((resolve, reject) => {
    execFile(process.execPath, ["--import", "tsx", entry, ...args], { maxBuffer: 64 * 2 ** 20, timeout: 15 * 60_000 }, (error, stdout, stderr) => {
      const line = stdout.split("\n").find((l) => l.startsWith(MARK))
      if (error === null && line !== undefined) {
        try {
          return resolve(JSON.parse(line.slice(MARK.length)) as A)
        } catch (e) {
          return reject(new Error(`threaded WASM child: unreadable result (${(e as Error).message})`))
        }
      }
      const why = stderr.trim().split("\n").filter((l) => l.trim() !== "").slice(-4).join(" / ")
      reject(new Error(`threaded WASM child failed (${error?.message.split("\n")[0] ?? "no result"}): ${why}`))
    })
  })

const option = (args: ReadonlyArray<string>, name: string): string | undefined => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}

const numberOption = (args: ReadonlyArray<string>, name: string, fallback: number): number => {
  const raw = option(args, name)
  if (raw === undefined) return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}: expected a positive number, got "${raw}"`)
  return n
}

const main = async (args: ReadonlyArray<string>): Promise<unknown> => {
  const { installThreadedWasm } = await import("./wasmThreads.js")
  const { useBackend } = await import("@zaoji/tensor")
  const threads = numberOption(args, "--threads", 2)
  const actual = await installThreadedWasm(threads)
  if (actual !== threads) throw new Error(`the threaded backend runs ${actual} threads, not the ${threads} asked for`)
  // the project's own kernel overrides, as on the single-threaded build
  await useBackend("wasm")
  switch (args[0]) {
    case "runtime": {
      const { zaojiRuntimeSession } = await import("./runtime.js")
      const session = zaojiRuntimeSession(numberOption(args, "--gen-tokens", 64))
      try {
        return session.measure(numberOption(args, "--reps", 1))
      } finally {
        session.dispose()
      }
    }
    case "train": {
      const { benchMode, smallShape } = await import("./training.js")
      const mode = option(args, "--mode")
      if (mode !== "full" && mode !== "freeze" && mode !== "prefix" && mode !== "lora") throw new Error(`--mode: expected full, freeze, prefix or lora, got "${mode}"`)
      return { ...(await benchMode(smallShape, mode, 1, numberOption(args, "--seconds", 10))), threads }
    }
    case "matmul": {
      // a check that the threads compute what one thread computes
      const tf = await import("@tensorflow/tfjs")
      const a = tf.randomNormal([128, 96], 0, 1, "float32", 1)
      const b = tf.randomNormal([96, 64], 0, 1, "float32", 2)
      return { threads: actual, product: Array.from(tf.matMul(a, b).dataSync()) }
    }
    default:
      throw new Error(`unknown task "${args[0]}": expected runtime, train or matmul`)
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = process.argv.slice(2)
  main(args).then(
    async (result) => {
      const { stopThreadedWasm } = await import("./wasmThreads.js")
      // stdout to a pipe is asynchronous: exit only once the line is written (the pthread workers
      // would keep the process alive otherwise)
      process.stdout.write(`${MARK}${JSON.stringify(result)}\n`, () => {
        stopThreadedWasm()
        process.exit(0)
      })
    },
    (e) => {
      process.stderr.write(`${(e as Error).stack ?? String(e)}\n`)
      process.exit(1)
    }
  )
}
