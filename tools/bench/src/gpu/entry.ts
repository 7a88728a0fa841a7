/**
 * The entry of the pack's bundle (`run.sh` runs it with the pack's Node): the pack's folder is
 * `ZAOJI_GPU_PACK` (set by run.sh; the bundle itself runs from a temporary folder).
 */
import { dirname } from "node:path"
import { fileURLToPath } from "node:url"
import { runGpuCommand } from "./runner.js"

const home = process.env.ZAOJI_GPU_PACK || dirname(fileURLToPath(import.meta.url))
try {
  process.exitCode = await runGpuCommand(process.argv.slice(2), home, { torchScript: `${home}/torch_gpu.py` })
} catch (e) {
  console.error(`gpu check failed: ${e instanceof Error ? e.message : String(e)}`)
  process.exitCode = 2
}
