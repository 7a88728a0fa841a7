/**
 * Training throughput on the `small` preset (glm1: vocab 8000, hidden 256, 8 heads, 6 layers,
 * ffn 1024; batch 8 × 128 tokens, loss on the answer half) for full, freeze (last 2 of 6 layers)
 * and prefix (pre_seq_len 16) training: tokens/s, achieved GFLOP/s and peak memory, each beside
 * PyTorch's figure for the same work from the shared anchor script, run in the same invocation.
 *
 *   node --import tsx tools/bench/src/training.ts [--workers 1,2] [--seconds 10] [--no-torch]
 */
import { execFileSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import { glmProgramModule, presetConfig, baseWeightShapes, type GlmConfig } from "@zaoji/glm-runtime"
import { useBackend } from "@zaoji/tensor"
import { hasShared, sharedPath } from "@zaoji/testing"
import { adamwStep, initAdamWState, localEngine, Rng, startWorkerPool, createLocalProgram, type GradientEngine, type TokenExample } from "@zaoji/training"

export type TrainMode = "full" | "freeze" | "prefix"

export interface BenchShape {
  readonly vocab: number
  readonly hidden: number
  readonly heads: number
  readonly layers: number
  readonly ffn: number
  readonly seq: number
  readonly batch: number
  readonly freezeLayers: number
  readonly preSeqLen: number
}

export const smallShape: BenchShape = { vocab: 8000, hidden: 256, heads: 8, layers: 6, ffn: 1024, seq: 128, batch: 8, freezeLayers: 2, preSeqLen: 16 }

export interface ModeResult {
  readonly mode: TrainMode
  readonly workers: number
  readonly steps: number
  readonly secondsPerStep: number
  readonly tokensPerSecond: number
  readonly gflopPerSecond: number
  readonly flopPerToken: number
  readonly trainableParams: number
  readonly peakRssBytes: number
  readonly startupSeconds: number
}

export interface TorchResult {
  readonly mode: string
  readonly tokens_per_s: number
  readonly gflops_per_s: number
  readonly s_per_step: number
}

export interface TrainingBench {
  readonly shape: BenchShape
  readonly results: ReadonlyArray<ModeResult>
  /** torch figures by mode, or why there are none */
  readonly torch: { readonly results: ReadonlyArray<TorchResult>; readonly threads: number; readonly version: string } | { readonly unavailable: string }
}

const configFor = (s: BenchShape, mode: TrainMode): GlmConfig => {
  const base = presetConfig("small", { arch: "glm1", pre_seq_len: mode === "prefix" ? s.preSeqLen : null, prefix_projection: false })
  return { ...base, vocab_size: s.vocab, hidden_size: s.hidden, num_attention_heads: s.heads, num_layers: s.layers, inner_hidden_size: s.ffn } as GlmConfig
}

/** The anchor's FLOP model (matmul FLOPs per trained token), so GFLOP/s figures compare like for like. */
export const flopPerToken = (s: BenchShape, cfg: GlmConfig, mode: TrainMode): number => {
  const shapes = baseWeightShapes(cfg)
  const count = (pred: (n: string) => boolean) =>
    Object.entries(shapes).filter(([n]) => pred(n)).reduce((a, [, sh]) => a + sh.reduce((x, y) => x * y, 1), 0)
  const N = count((n) => !n.startsWith("transformer.word_embeddings."))
  const head = count((n) => n.startsWith("lm_head"))
  const last = Array.from({ length: s.freezeLayers }, (_, i) => `transformer.layers.${s.layers - s.freezeLayers + i}.`)
  const Nk = count((n) => last.some((p) => n.startsWith(p)))
  const ctx = s.seq + (mode === "prefix" ? s.preSeqLen : 0)
  const attnFwd = 4 * s.layers * ctx * s.hidden
  const attnFwdK = 4 * s.freezeLayers * ctx * s.hidden
  if (mode === "full") return 6 * N + 3 * attnFwd
  if (mode === "freeze") return 2 * N + 2 * head + 4 * Nk + attnFwd + 2 * attnFwdK
  return 4 * N + 3 * attnFwd
}

const trainableNames = (s: BenchShape, cfg: GlmConfig, mode: TrainMode): string[] => {
  const names = Object.keys(baseWeightShapes(cfg))
  if (mode === "full") return names
  if (mode === "prefix") return ["transformer.prefix_encoder.embedding.weight"]
  const last = Array.from({ length: s.freezeLayers }, (_, i) => `transformer.layers.${s.layers - s.freezeLayers + i}.`)
  return names.filter((n) => last.some((p) => n.startsWith(p)))
}

/** Random batches laid out as the anchor's: prompt half, [gMASK, <bos>], answer half with loss. */
const batches = (s: BenchShape, cfg: GlmConfig, count: number): TokenExample[][] => {
  const c = cfg as { gmask_token_id: number; bos_token_id: number }
  const rng = new Rng(0)
  const half = s.seq / 2
  return Array.from({ length: count }, () =>
    Array.from({ length: s.batch }, () => {
      const ids = Array.from({ length: s.seq }, () => 5 + rng.int(s.vocab - 25))
      ids[half - 2] = c.gmask_token_id
      ids[half - 1] = c.bos_token_id
      return { inputIds: ids, labels: ids.map((x, i) => (i < half - 1 ? -100 : x)) }
    })
  )
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

export const benchMode = async (s: BenchShape, mode: TrainMode, workers: number, minSeconds: number, minSteps = 5): Promise<ModeResult> => {
  const cfg = configFor(s, mode)
  const trainable = trainableNames(s, cfg, mode)
  const spec = { module: glmProgramModule, args: { config: cfg, initSeed: 0, trainable } }
  const t0 = performance.now()
  const engine: GradientEngine = workers <= 1 ? localEngine(await createLocalProgram(spec), 3) : await startWorkerPool(spec, workers, 3)
  const startupSeconds = (performance.now() - t0) / 1000
  try {
    const params = await engine.initial()
    const adam = initAdamWState(params)
    const data = batches(s, cfg, 4)
    let version = 0
    let peak = process.memoryUsage().rss
    const step = async (i: number) => {
      const r = await engine.gradients(data[i % data.length]!, params, version)
      for (const g of Object.values(r.grads)) for (let j = 0; j < g.length; j++) g[j] = g[j]! / r.count
      adamwStep(params, r.grads, adam, 1e-3)
      version++
      peak = Math.max(peak, process.memoryUsage().rss)
    }
    for (let i = 0; i < 2; i++) await step(i)
    const times: number[] = []
    const start = performance.now()
    let n = 0
    while (n < minSteps || (performance.now() - start) / 1000 < minSeconds) {
      const ts = performance.now()
      await step(n)
      times.push((performance.now() - ts) / 1000)
      n++
    }
    const spStep = median(times)
    const tokens = s.batch * s.seq
    const fpt = flopPerToken(s, cfg, mode)
    const trainableParams = trainable.reduce((a, name) => a + (params[name]?.length ?? 0), 0)
    return {
      mode,
      workers,
      steps: n,
      secondsPerStep: spStep,
      tokensPerSecond: tokens / spStep,
      gflopPerSecond: (fpt * tokens) / spStep / 1e9,
      flopPerToken: fpt,
      trainableParams,
      peakRssBytes: peak,
      startupSeconds
    }
  } finally {
    await engine.close()
  }
}

/** Run the PyTorch anchor (if python3 with torch is installed) for the same shape and modes. */
export const runTorchAnchor = (s: BenchShape, modes: ReadonlyArray<TrainMode>, minSeconds: number): TrainingBench["torch"] => {
  if (!hasShared) return { unavailable: "the shared anchors folder is not present" }
  const script = sharedPath("anchors", "torch_train_bench.py")
  if (!existsSync(script)) return { unavailable: `${script} is missing` }
  // a version manager's python3 may shadow the system one that has the distribution's torch
  const python = [process.env.ZAOJI_TORCH_PYTHON, "python3", "/usr/bin/python3"].find((p) => {
    if (p === undefined || p === "") return false
    try {
      execFileSync(p, ["-c", "import torch"], { stdio: "ignore" })
      return true
    } catch {
      return false
    }
  })
  if (python === undefined) return { unavailable: "PyTorch is not installed (apt-get install -y python3-torch libopenblas0-openmp, or set ZAOJI_TORCH_PYTHON)" }
  const dir = mkdtempSync(join(tmpdir(), "zaoji-torch-"))
  try {
    const out = join(dir, "torch.json")
    execFileSync(
      python,
      [script, "--json", out, "--modes", modes.join(","), "--vocab", `${s.vocab}`, "--hidden", `${s.hidden}`, "--heads", `${s.heads}`, "--layers", `${s.layers}`,
        "--ffn", `${s.ffn}`, "--seq", `${s.seq}`, "--batch", `${s.batch}`, "--freeze-layers", `${s.freezeLayers}`, "--pre-seq-len", `${s.preSeqLen}`,
        "--threads", "2", "--min-seconds", `${minSeconds}`],
      { stdio: ["ignore", "ignore", "inherit"] }
    )
    const j = JSON.parse(readFileSync(out, "utf8"))
    return { results: j.results, threads: j.threads, version: j.torch }
  } catch (e) {
    return { unavailable: `the anchor failed: ${(e as Error).message.split("\n")[0]}` }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export const benchTraining = async (options: {
  readonly shape?: BenchShape
  readonly modes?: ReadonlyArray<TrainMode>
  readonly workers?: ReadonlyArray<number>
  readonly minSeconds?: number
  readonly torch?: boolean
  /** called with each result as it is measured */
  readonly onResult?: (r: ModeResult) => void
} = {}): Promise<TrainingBench> => {
  const shape = options.shape ?? smallShape
  const modes = options.modes ?? ["full", "freeze", "prefix"]
  await useBackend("wasm")
  const results: ModeResult[] = []
  for (const mode of modes) {
    for (const w of options.workers ?? [1, 2]) {
      const r = await benchMode(shape, mode, w, options.minSeconds ?? 10)
      results.push(r)
      options.onResult?.(r)
    }
  }
  const torch = options.torch === false ? { unavailable: "skipped (--no-torch)" } : runTorchAnchor(shape, modes, options.minSeconds ?? 10)
  return { shape, results, torch }
}

export const formatTrainingBench = (b: TrainingBench): string => {
  const lines: string[] = []
  const s = b.shape
  lines.push(`training, glm1 vocab ${s.vocab} hidden ${s.hidden} layers ${s.layers} ffn ${s.ffn}, batch ${s.batch}×${s.seq} (wasm backend)`)
  const torchBy = new Map("results" in b.torch ? b.torch.results.map((r) => [r.mode, r] as const) : [])
  lines.push("mode    workers  tok/s   GFLOP/s  s/step  peak RSS  startup | torch tok/s  GFLOP/s | ratio tok/s")
  for (const r of b.results) {
    const t = torchBy.get(r.mode)
    lines.push(
      [
        r.mode.padEnd(7),
        String(r.workers).padStart(7),
        r.tokensPerSecond.toFixed(0).padStart(6),
        r.gflopPerSecond.toFixed(1).padStart(8),
        r.secondsPerStep.toFixed(3).padStart(7),
        `${(r.peakRssBytes / 2 ** 20).toFixed(0)} MiB`.padStart(9),
        `${r.startupSeconds.toFixed(1)} s`.padStart(8),
        "|",
        (t ? t.tokens_per_s.toFixed(0) : "-").padStart(11),
        (t ? t.gflops_per_s.toFixed(1) : "-").padStart(8),
        "|",
        t ? (r.tokensPerSecond / t.tokens_per_s).toFixed(2) : "-"
      ].join(" ")
    )
  }
  if ("unavailable" in b.torch) lines.push(`torch: no figures — ${b.torch.unavailable}`)
  else lines.push(`torch ${b.torch.version}, ${b.torch.threads} threads, same invocation`)
  return lines.join("\n")
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(name)
    return i >= 0 ? process.argv[i + 1] : undefined
  }
  const workers = arg("--workers")?.split(",").map(Number)
  const modes = arg("--modes")?.split(",") as TrainMode[] | undefined
  const seconds = arg("--seconds") ? Number(arg("--seconds")) : undefined
  const b = await benchTraining({
    workers,
    modes,
    minSeconds: seconds,
    torch: !process.argv.includes("--no-torch"),
    onResult: (r) => process.stderr.write(`measured ${r.mode} × ${r.workers} worker(s): ${r.tokensPerSecond.toFixed(0)} tok/s\n`)
  })
  console.log(formatTrainingBench(b))
  if (process.argv.includes("--json")) console.log(JSON.stringify(b))
}
