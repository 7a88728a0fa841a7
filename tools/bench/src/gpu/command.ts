/**
 * `npm run bench -- gpu …`: with `--pack DIR [--no-fetch]`, build the pack of the GPU device check
 * (pack.ts; `--no-fetch`: loader packages only from the apt cache, no `apt-get download`);
 * otherwise run the check here, on this machine's WebGPU adapter, with the repository's files (the
 * golden fixtures and the reference model of the shared folder beside the repository).
 */
import { fileURLToPath } from "node:url"
import { dirname, join, resolve } from "node:path"
import { hasShared, sharedPath } from "@zaoji/testing"
import { packGpuCheck } from "./pack.js"
import { runGpuCommand } from "./runner.js"

export const gpuCommand = async (args: ReadonlyArray<string>): Promise<number> => {
  const here = dirname(fileURLToPath(import.meta.url))
  const shared = hasShared ? { golden: sharedPath("golden"), reference: sharedPath("anchors") } : {}
  const at = args.indexOf("--pack")
  if (at >= 0) {
    const dir = args[at + 1]
    if (dir === undefined || dir.startsWith("--")) throw new Error("--pack: expected the folder to write the pack into")
    const r = await packGpuCheck({
      outDir: resolve(dir),
      ...(shared.golden !== undefined ? { goldenDir: shared.golden } : {}),
      ...(shared.reference !== undefined ? { referenceDir: shared.reference } : {}),
      fetch: !args.includes("--no-fetch")
    })
    console.log(`pack written: ${r.outDir}, ${(r.bytes / 2 ** 20).toFixed(1)} MiB in ${r.files.length} files`)
    for (const m of r.missing) console.log(`  without ${m}`)
    console.log(`run it on a GPU host with: sh ${r.outDir}/run.sh [--out DIR]`)
    return 0
  }
  return runGpuCommand(args, join(here, "__no_pack__"), { ...shared, torchScript: join(here, "torch_gpu.py") })
}
