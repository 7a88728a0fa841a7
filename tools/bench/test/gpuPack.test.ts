/**
 * The GPU device check's pack: built into a temporary folder, held to the 64 MiB a device run can
 * carry, checked for what a host without Node needs, and its run.sh run on Mesa's software Vulkan
 * (lavapipe) with the micro shape — golden parity, the Zaoji side and (when a Python has torch) the
 * PyTorch side. Figures are printed by the check, never asserted on.
 */
import { spawnSync } from "node:child_process"
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createGunzip } from "node:zlib"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { webGpuAdapter, webGpuUnavailable } from "@zaoji/tensor"
import { hasShared, sharedPath } from "@zaoji/testing"
import { PACK_LIMIT_BYTES, packGpuCheck, type PackResult } from "../src/gpu/pack.js"
import { GpuBenchSettingsError, microGpuBenchShape, parseGpuBenchShape } from "../src/gpu/settings.js"
import { runGpuBench, type GpuBenchReport } from "../src/gpu/runner.js"
import { findTorchPython } from "../src/torchPython.js"

const root = mkdtempSync(join(tmpdir(), "zaoji-gpu-pack-test-"))
const packDir = join(root, "pack")
let pack: PackResult

const gunzippedBytes = (file: string): Promise<number> =>
  new Promise((resolve, reject) => {
    let n = 0
    createReadStream(file)
      .pipe(createGunzip())
      .on("data", (c: Buffer) => (n += c.length))
      .on("end", () => resolve(n))
      .on("error", reject)
  })

describe("GPU device check pack", () => {
  beforeAll(async () => {
    pack = await packGpuCheck({
      outDir: packDir,
      ...(hasShared ? { goldenDir: sharedPath("golden"), referenceDir: sharedPath("anchors") } : {}),
      // offline: loader packages only from the apt cache
      fetch: false,
      log: () => undefined
    })
  })
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  it("fits the 64 MiB a device run carries and holds what a host without Node needs", async () => {
    expect(pack.bytes).toBeLessThanOrEqual(PACK_LIMIT_BYTES)
    for (const f of ["run.sh", "node.gz", "runner.mjs.gz", "dawn.node.gz", "torch_gpu.py", "pack.json"]) expect(existsSync(join(packDir, f)), f).toBe(true)
    expect(statSync(join(packDir, "run.sh")).mode & 0o111).not.toBe(0)
    // the Node binary comes back whole from gzip
    expect(await gunzippedBytes(join(packDir, "node.gz"))).toBe(statSync(process.execPath).size)
    const manifest = JSON.parse(readFileSync(join(packDir, "pack.json"), "utf8")) as { node: string; files: Array<{ path: string; bytes: number; sha256: string }> }
    expect(manifest.node).toBe(process.version)
    for (const f of manifest.files) expect(statSync(join(packDir, f.path)).size, f.path).toBe(f.bytes)
    if (hasShared) {
      expect(existsSync(join(packDir, "golden", "glm1", "cases.json"))).toBe(true)
      expect(existsSync(join(packDir, "golden", "glm2", "sharp", "cases.json"))).toBe(true)
      expect(existsSync(join(packDir, "glm_reference.py"))).toBe(true)
    } else console.log("no shared folder: the pack carries no golden fixtures and no reference model")
    const deb = manifest.files.find((f) => /^libvulkan1_.*\.deb$/.test(f.path))
    if (deb === undefined || pack.missing.length > 0) console.log(`the pack lacks: ${pack.missing.join("; ")}`)
  })

  it("refuses to write into a folder that holds something other than a pack", async () => {
    const other = join(root, "other")
    mkdirSync(other)
    writeFileSync(join(other, "keep.txt"), "mine")
    await expect(packGpuCheck({ outDir: other, log: () => undefined })).rejects.toThrow(/not empty and holds no earlier pack/)
    expect(readFileSync(join(other, "keep.txt"), "utf8")).toBe("mine")
  })

  it("names the flag and what it expects for a bad setting", () => {
    expect(() => parseGpuBenchShape(["--layers", "two"])).toThrow(/--layers: expected a positive integer/)
    expect(() => parseGpuBenchShape(["--micro", "--hidden", "30"])).toThrow(GpuBenchSettingsError)
    expect(parseGpuBenchShape([]).layers).toBe(28)
    expect(parseGpuBenchShape(["--micro", "--layers", "2"]).layers).toBe(2)
  })

  it("refuses a software adapter unless asked: its figures are not a GPU's", async () => {
    const unavailable = await webGpuUnavailable()
    if (unavailable !== undefined) return console.log(`not checked (skipped: ${unavailable})`)
    const run = runGpuBench({ shape: microGpuBenchShape, outDir: join(root, "refused"), torchScript: "", python: false, parity: false, allowSoftware: false, log: () => undefined })
    await run.then(
      () => expect(webGpuAdapter()?.software, "a hardware adapter runs without --allow-software").toBe(false),
      (e: Error) => expect(e.message).toMatch(/software one .*VK_DRIVER_FILES.*graphics/)
    )
    expect(existsSync(join(root, "refused", "gpu-bench.json"))).toBe(webGpuAdapter()?.software === false)
  })

  it("runs run.sh on a Vulkan adapter with the micro shape: parity, Zaoji, PyTorch", async () => {
    const unavailable = await webGpuUnavailable()
    if (unavailable !== undefined) {
      console.log(`run.sh not run (skipped: ${unavailable})`)
      return
    }
    const torch = await findTorchPython({ interactive: false, log: () => undefined })
    if (!("python" in torch)) console.log(`the PyTorch side is skipped: ${torch.unavailable}`)
    const out = join(root, "out")
    const carriesLoader = pack.files.some((f) => /^libvulkan1_.*\.deb$/.test(f.path))
    const r = spawnSync("sh", [join(packDir, "run.sh"), "--micro", "--allow-software", "--out", out, ...("python" in torch ? [] : ["--no-torch"])], {
      encoding: "utf8",
      // the pack's own loader, unpacked as on a host without one
      env: { ...process.env, ZAOJI_GPU_PACK_VULKAN: carriesLoader ? "1" : "0", ...("python" in torch ? { ZAOJI_TORCH_PYTHON: torch.python } : {}) }
    })
    expect(r.status, `run.sh failed:\n${r.stderr}`).toBe(0)
    if (carriesLoader) expect(r.stderr).toContain("Vulkan loader from the pack")
    expect(r.stdout).toContain("| measure | Zaoji (webgpu, float32) | PyTorch (float32) | Zaoji / PyTorch |")
    const report = JSON.parse(readFileSync(join(out, "gpu-bench.json"), "utf8")) as GpuBenchReport
    expect(readFileSync(join(out, "gpu-bench.md"), "utf8")).toContain("Golden parity")
    if (hasShared) {
      if (!("rows" in report.parity)) throw new Error(`parity did not run: ${report.parity.skipped}`)
      expect(report.parity.failed).toBe(0)
      expect(report.parity.passed).toBeGreaterThan(50)
    }
    const z = report.zaoji
    if ("error" in z) throw new Error(`Zaoji's side failed: ${z.error}`)
    expect(z.backend).toBe("webgpu")
    expect(z.tensorsAfter).toBe(z.tensorsBefore)
    expect(z.peakDeviceBytes).toBeGreaterThanOrEqual(z.weightBytes)
    for (const v of [z.loadSeconds, z.prefill.tokensPerSecond, z.decode.tokensPerSecond]) expect(Number.isFinite(v) && v > 0).toBe(true)
    expect(z.train.map((t) => t.mode)).toEqual(["prefix", "freeze"])
    const steps = z.train.map((t) => {
      if ("error" in t) throw new Error(`the ${t.mode} step failed: ${t.error}`)
      return t
    })
    for (const t of steps) expect(Number.isFinite(t.loss) && t.tokensPerSecond > 0, `${t.mode}`).toBe(true)
    // micro shape: prefix 4 × 2·3 layers·2 groups·16 channels
    expect(steps[0]!.trainableParams).toBe(4 * 2 * 3 * 2 * 16)
    if ("python" in torch && hasShared) {
      if (!("train" in report.torch)) throw new Error(`the PyTorch side did not run: ${report.torch.unavailable}`)
      expect(report.torch.train.map((t) => t.trainable_params)).toEqual(steps.map((t) => t.trainableParams))
      expect(report.torch.train.map((t) => t.head_rows)).toEqual(steps.map((t) => t.headRows))
    }
  })
})
