import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { resolveModelArg } from "../modelArg.js"
import { printLine } from "../print.js"
import { UsageError } from "../usage.js"
import type { ExportArgs } from "../commands/export.js"

/** a broken model folder (missing/misshaped tensor, truncated safetensors) is the user's input */
const USER_FAULTS = new Set(["ModelFolderError", "SafetensorsError"])

const listFiles = (dir: string): Array<{ file: string; bytes: number }> =>
  fs
    .readdirSync(dir)
    .sort()
    .map((f) => ({ file: f, bytes: fs.statSync(path.join(dir, f)).size }))

const size = (bytes: number) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : bytes >= 1e3 ? `${(bytes / 1e3).toFixed(1)} kB` : `${bytes} B`)

export default (a: ExportArgs) =>
  Effect.gen(function* () {
    const out = path.resolve(a.out)
    if (fs.existsSync(out)) {
      if (!fs.statSync(out).isDirectory()) return yield* Effect.fail(new UsageError({ message: `--out ${a.out}: exists and is not a folder` }))
      if (fs.readdirSync(out).length > 0) {
        return yield* Effect.fail(new UsageError({ message: `--out ${a.out}: the folder is not empty; expected a new or empty folder to export into` }))
      }
    }
    const modelDir = yield* resolveModelArg(a.model, a.store, a.workflow)
    // lazy: loading tfjs is only worth it for commands that run a model
    const { ensureBackend } = yield* Effect.promise(() => import("@zaoji/tensor"))
    const { exportModel } = yield* Effect.promise(() => import("@zaoji/freeze/kit"))
    yield* Effect.promise(() => ensureBackend())
    const result = yield* Effect.try({
      try: () => {
        // exportModel creates the folder itself (atomically, by rename), so an empty one goes first
        if (fs.existsSync(out)) fs.rmdirSync(out)
        return exportModel(modelDir, out)
      },
      catch: (e) => {
        const err = e instanceof Error ? e : new Error(String(e))
        return USER_FAULTS.has(err.name) ? new UsageError({ message: `cannot export ${modelDir}: ${err.message}` }) : err
      }
    })
    yield* printLine(`exported ${modelDir}\n      to ${result.outDir} (${result.tensors} tensors)`)
    for (const f of listFiles(result.outDir)) yield* printLine(`  ${f.file.padEnd(28)} ${size(f.bytes)}`)
  })
