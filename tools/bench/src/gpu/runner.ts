/**
 * The GPU device check in one command: (a) the golden parity on the WebGPU adapter, (b) the
 * random ChatGLM2-6B-shaped model on it (load, peak device memory, prefill and decoding at batch 1,
 * a P-Tuning v2 step and a freeze step), (c) the same shapes with PyTorch float32 on the same GPU,
 * with the ratios; written as `gpu-bench.json` and `gpu-bench.md` into the output folder.
 *
 * It is the entry of the pack's bundle (`run.sh` calls it with the pack's Node), and runs in the
 * repository as `npm run bench -- gpu [flags]`. Flags: the shape settings (settings.ts), and
 *   --out DIR          where the JSON and the table go (default bench-results)
 *   --golden DIR       the golden fixtures (default: the pack's golden/, or the shared folder)
 *   --reference DIR    the folder of glm_reference.py (default: the pack's, or the shared anchors)
 *   --python PATH      the Python with torch (default: ZAOJI_TORCH_PYTHON, else python3)
 *   --no-torch         skip the PyTorch side;   --no-parity   skip the golden parity
 *   --allow-software   accept a software Vulkan adapter (lavapipe; CI), refused otherwise
 */
import * as tf from "@tensorflow/tfjs"
import { spawnSync } from "node:child_process"
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describeAdapter, useBackend, webGpuAdapter, type AdapterSummary } from "@zaoji/tensor"
import { runGoldenParity, type ParityResult } from "./parity.js"
import { flagOf, gpuBenchFields, gpuBenchHelp, parseGpuBenchShape, type GpuBenchShape } from "./settings.js"
import { runZaojiSide, type ZaojiGpuResult } from "./zaojiSide.js"

export interface TorchGpuResult {
  readonly torch: string
  readonly device: string
  readonly device_type: string
  readonly load_s: number
  readonly peak_bytes: number | null
  readonly prefill: { readonly tokens: number; readonly s: number }
  readonly decode: { readonly tokens: number; readonly s: number }
  readonly train: ReadonlyArray<{ readonly mode: "prefix" | "freeze"; readonly s_per_step: number; readonly tokens_per_step: number; readonly head_rows: number; readonly loss: number; readonly trainable_params: number }>
}

export interface GpuBenchReport {
  readonly date: string
  readonly shape: GpuBenchShape
  readonly adapter: AdapterSummary | undefined
  readonly parity: ParityResult | { readonly skipped: string }
  /** Zaoji's figures, or the error that stopped them (the PyTorch side has run before, either way) */
  readonly zaoji: ZaojiGpuResult | { readonly error: string }
  readonly torch: TorchGpuResult | { readonly unavailable: string }
  readonly host: { readonly node: string; readonly platform: string }
}

export interface GpuRunOptions {
  readonly shape: GpuBenchShape
  readonly outDir: string
  readonly goldenDir?: string
  readonly referenceDir?: string
  /** the torch script (default: torch_gpu.py beside the running module) */
  readonly torchScript: string
  readonly python?: string | false
  readonly parity: boolean
  readonly allowSoftware: boolean
  readonly log?: (line: string) => void
}

/** Parse the runner's flags; paths not given are looked for beside `home` (the pack's folder). */
export const gpuRunOptions = (args: ReadonlyArray<string>, home: string, fallback: { golden?: string; reference?: string; torchScript: string }): GpuRunOptions => {
  const value = (flag: string): string | undefined => {
    const i = args.indexOf(flag)
    if (i < 0) return undefined
    const v = args[i + 1]
    if (v === undefined || v.startsWith("--")) throw new Error(`${flag}: expected a value`)
    return v
  }
  const known = new Set(["--help", "--out", "--golden", "--reference", "--python", "--no-torch", "--no-parity", "--allow-software", "--micro", "--pack", "--no-fetch", ...Object.keys(gpuBenchFields).map((k) => flagOf(k as keyof GpuBenchShape))])
  const unknown = args.filter((a) => a.startsWith("--") && !known.has(a))
  if (unknown.length > 0) throw new Error(`unknown flag(s) ${unknown.join(", ")}; see --help`)
  const inHome = (rel: string) => (existsSync(join(home, rel)) ? join(home, rel) : undefined)
  const goldenDir = value("--golden") ?? inHome("golden") ?? fallback.golden
  const referenceDir = value("--reference") ?? (inHome("glm_reference.py") !== undefined ? home : fallback.reference)
  return {
    shape: parseGpuBenchShape(args),
    outDir: value("--out") ?? "bench-results",
    ...(goldenDir !== undefined ? { goldenDir } : {}),
    ...(referenceDir !== undefined ? { referenceDir } : {}),
    torchScript: inHome("torch_gpu.py") ?? fallback.torchScript,
    python: args.includes("--no-torch") ? false : (value("--python") ?? (process.env.ZAOJI_TORCH_PYTHON || "python3")),
    parity: !args.includes("--no-parity"),
    allowSoftware: args.includes("--allow-software")
  }
}

/** Run the whole check; writes gpu-bench.json and gpu-bench.md into `outDir` and returns the report. */
export const runGpuBench = async (o: GpuRunOptions): Promise<GpuBenchReport> => {
  const log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`))
  await useBackend("webgpu")
  const adapter = webGpuAdapter()
  log(`adapter: ${adapter !== undefined ? describeAdapter(adapter) : tf.getBackend()}`)
  if (adapter?.software === true && !o.allowSoftware) {
    throw new Error(
      `the WebGPU adapter is a software one (${describeAdapter(adapter)}): its figures would not be a GPU's. ` +
        "Point the Vulkan loader at the GPU driver (VK_DRIVER_FILES=/path/to/nvidia_icd.json; in a container the NVIDIA " +
        "runtime mounts it only with NVIDIA_DRIVER_CAPABILITIES including graphics), or pass --allow-software"
    )
  }
  let parity: GpuBenchReport["parity"] = { skipped: "--no-parity" }
  if (o.parity) {
    parity = o.goldenDir === undefined ? { skipped: "no golden fixtures (neither in the pack nor --golden)" } : await runGoldenParity(o.goldenDir, log)
    if ("rows" in parity) log(`parity: ${parity.passed} passed, ${parity.failed} failed (${parity.seconds.toFixed(1)} s)`)
  }
  // the PyTorch side first, in its own process: a Zaoji failure (or a run stopped at its time limit)
  // still leaves its figures; the report is written after each part
  const base = { date: new Date().toISOString(), shape: o.shape, adapter, parity, host: { node: process.version, platform: `${process.platform}-${process.arch}` } }
  const torch = o.python === false ? { unavailable: "--no-torch" } : o.referenceDir === undefined ? { unavailable: "no glm_reference.py (neither in the pack nor --reference)" } : runTorch(o.python ?? "python3", o.torchScript, o.referenceDir, o.shape, log)
  writeReport(o.outDir, { ...base, torch, zaoji: { error: "not run yet" } })
  let zaoji: GpuBenchReport["zaoji"]
  try {
    zaoji = await runZaojiSide(o.shape, log)
  } catch (e) {
    zaoji = { error: e instanceof Error ? e.message : String(e) }
    log(`zaoji side failed: ${zaoji.error}`)
  }
  const report: GpuBenchReport = { ...base, torch, zaoji }
  writeReport(o.outDir, report)
  return report
}

/** Print the help, or run and print the table; the exit code (1 when a parity check or a Zaoji measure failed). */
export const runGpuCommand = async (args: ReadonlyArray<string>, home: string, fallback: { golden?: string; reference?: string; torchScript: string }): Promise<number> => {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(GPU_HELP)
    return 0
  }
  const report = await runGpuBench(gpuRunOptions(args, home, fallback))
  console.log(formatGpuBench(report))
  const failed = ("failed" in report.parity && report.parity.failed > 0) || "error" in report.zaoji || report.zaoji.train.some((m) => "error" in m)
  return failed ? 1 : 0
}

export const GPU_HELP = [
  "GPU device check: golden parity on the WebGPU adapter, a random ChatGLM2-6B-shaped model (load, peak memory,",
  "prefill and decoding at batch 1, a P-Tuning v2 step and a freeze step), and PyTorch float32 on the same GPU.",
  "",
  "  --pack DIR         (npm run bench -- gpu only) write the pack for a GPU host without Node into DIR, ≤ 64 MiB;",
  "                     --no-fetch: loader packages from the apt cache only (no apt-get download)",
  "  --out DIR          where gpu-bench.json and gpu-bench.md go (default bench-results)",
  "  --golden DIR       golden fixtures (default: the pack's, else the shared folder's)",
  "  --reference DIR    folder of glm_reference.py (default: the pack's, else the shared anchors)",
  "  --python PATH      Python with torch (default: ZAOJI_TORCH_PYTHON, else python3)",
  "  --no-torch         skip PyTorch        --no-parity   skip the golden parity",
  "  --allow-software   accept a software Vulkan adapter (lavapipe)",
  "  --micro            start from the micro shape (CI), then:",
  gpuBenchHelp()
].join("\n")

const writeReport = (outDir: string, report: GpuBenchReport): void => {
  mkdirSync(outDir, { recursive: true })
  writeFileSync(join(outDir, "gpu-bench.json"), `${JSON.stringify(report, null, 2)}\n`)
  writeFileSync(join(outDir, "gpu-bench.md"), `${formatGpuBench(report)}\n`)
}

const gib = (n: number | null | undefined) => (n === null || n === undefined ? "–" : `${(n / 2 ** 30).toFixed(2)} GiB`)
const num = (v: number) => (v >= 100 ? Math.round(v).toLocaleString("en-US") : v >= 10 ? v.toFixed(1) : v.toFixed(2))
const ratio = (a: number, b: number | undefined) => (b === undefined || !(b > 0) ? "–" : (a / b).toFixed(2))

/** The markdown table: Zaoji (webgpu) beside PyTorch float32, ratio = Zaoji / PyTorch (> 1: Zaoji faster). */
export const formatGpuBench = (r: GpuBenchReport): string => {
  const s = r.shape
  const t = "train" in r.torch ? r.torch : undefined
  const head = [
    `GPU device check, ${r.date}: glm2 shape, ${s.layers} layers, hidden ${s.hidden}, ${s.heads} heads in ${s.kvGroups} KV groups, ffn ${s.ffn}, vocabulary ${s.vocab}; random weights made on the device.`,
    `Adapter: ${r.adapter !== undefined ? describeAdapter(r.adapter) : "none"}; PyTorch: ${t ? `${t.torch} on ${t.device}` : "unavailable" in r.torch ? r.torch.unavailable : "–"}; node ${r.host.node}.`,
    ""
  ]
  if ("error" in r.zaoji) return [...head, `Zaoji's side failed: ${r.zaoji.error}`, "", `PyTorch: ${JSON.stringify(r.torch)}`].join("\n")
  const z = r.zaoji
  const rows: Array<[string, string, string, string]> = []
  rows.push(["load (random init on the device)", `${z.loadSeconds.toFixed(2)} s`, t ? `${t.load_s.toFixed(2)} s` : "–", t ? ratio(t.load_s, z.loadSeconds) : "–"])
  rows.push(["peak device memory", gib(z.peakDeviceBytes), t ? gib(t.peak_bytes) : "–", "–"])
  const pre = t ? t.prefill.tokens / t.prefill.s : undefined
  const dec = t ? t.decode.tokens / t.decode.s : undefined
  rows.push([`prefill, batch 1 × ${s.promptTokens} tokens`, `${num(z.prefill.tokensPerSecond)} tok/s`, pre ? `${num(pre)} tok/s` : "–", ratio(z.prefill.tokensPerSecond, pre)])
  rows.push([`greedy decoding, batch 1, ${s.decodeTokens} tokens (KV cache)`, `${num(z.decode.tokensPerSecond)} tok/s`, dec ? `${num(dec)} tok/s` : "–", ratio(z.decode.tokensPerSecond, dec)])
  for (const m of z.train) {
    const tm = t?.train.find((x) => x.mode === m.mode)
    const tps = tm ? tm.tokens_per_step / tm.s_per_step : undefined
    const what = m.mode === "prefix" ? `P-Tuning v2 step (pre_seq_len ${s.preSeqLen})` : `freeze step (last ${s.freezeLayers} of ${s.layers} layers)`
    if ("error" in m) {
      rows.push([`${what}, batch ${s.batch} × ${s.tokens}`, `failed: ${m.error.replace(/\|/g, "/")}`, tps ? `${num(tps)} tok/s` : "–", "–"])
      continue
    }
    rows.push([`${what}, batch ${s.batch} × ${s.tokens}`, `${num(m.tokensPerSecond)} tok/s`, tps ? `${num(tps)} tok/s` : "–", ratio(m.tokensPerSecond, tps)])
    rows.push([`  of which on the device (forward, backward, gradients read)`, `${num(m.tokensPerStep / m.gradientSeconds)} tok/s`, "", ""])
  }
  const parity =
    "rows" in r.parity
      ? `Golden parity on this adapter: ${r.parity.passed} of ${r.parity.rows.length} checks passed${r.parity.failed > 0 ? ` — FAILED: ${r.parity.rows.filter((x) => !x.ok).map((x) => x.check).join("; ")}` : ""} (${r.parity.seconds.toFixed(1)} s).`
      : `Golden parity: skipped (${r.parity.skipped}).`
  return [
    ...head,
    "| measure | Zaoji (webgpu, float32) | PyTorch (float32) | Zaoji / PyTorch |",
    "| --- | ---: | ---: | ---: |",
    ...rows.map((x) => `| ${x.join(" | ")} |`),
    "",
    parity,
    `Training steps: median of ${s.steps} after one warm-up step; Zaoji's step is the trainer's (gradients on the device, AdamW on the host, values uploaded), PyTorch's uses torch.optim.AdamW on the device. Peak memory: ${z.peakSource}; PyTorch: torch.cuda.max_memory_allocated. Live tensors ${z.tensorsBefore} before, ${z.tensorsAfter} after.`
  ].join("\n")
}

// internal

const shapeArgs = (s: GpuBenchShape): string[] => (Object.keys(gpuBenchFields) as Array<keyof GpuBenchShape>).flatMap((k) => [flagOf(k), `${s[k]}`])

const runTorch = (python: string, script: string, reference: string, s: GpuBenchShape, log: (line: string) => void): TorchGpuResult | { unavailable: string } => {
  const dir = mkdtempSync(join(tmpdir(), "zaoji-gpu-torch-"))
  try {
    const out = join(dir, "torch.json")
    log(`torch: ${python} ${script}`)
    const r = spawnSync(python, [script, "--reference", reference, "--json", out, ...shapeArgs(s)], { stdio: ["ignore", "inherit", "pipe"], encoding: "utf8" })
    if (r.error !== undefined) return { unavailable: `${python} could not be started: ${r.error.message}` }
    if (r.status !== 0) return { unavailable: `the PyTorch side exited ${r.status}: ${(r.stderr ?? "").trim().split("\n").slice(-3).join(" / ")}` }
    const t = JSON.parse(readFileSync(out, "utf8")) as TorchGpuResult
    log(`torch ${t.torch} on ${t.device}: prefill ${num(t.prefill.tokens / t.prefill.s)} tok/s, decode ${num(t.decode.tokens / t.decode.s)} tok/s`)
    return t
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
