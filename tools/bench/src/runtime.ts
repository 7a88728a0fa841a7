/**
 * Runtime benchmark, `small` preset (vocab 8000, hidden 256, 8 heads, 6 layers, ffn 1024, seq 128),
 * glm1: prompt processing tokens/s, generation tokens/s with the KV cache (batch 1 and 8) and the
 * GFLOP/s they imply, each beside the PyTorch reference (`anchors/torch_train_bench.py --modes
 * generate`, run in the same invocation) as a ratio ours / PyTorch (≥ 1 means at least as fast).
 *
 * FLOP counts follow the reference: 2·N per token with N the matmul parameters (every weight but
 * the input embedding), plus attention products for prompt processing.
 *
 *   node --import tsx tools/bench/src/runtime.ts [--quick] [--no-anchor]
 */
import * as tf from "@tensorflow/tfjs"
import { execFileSync, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { cpus, tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { loadavg } from "node:os"
import { ensureBackend } from "@zaoji/tensor"
import { hasShared, sharedPath } from "@zaoji/testing"
import {
  baseWeightShapes,
  createModel,
  disposeCache,
  forward,
  initWeights,
  presetConfig,
  type GlmModel,
  type KvCache
} from "@zaoji/glm-runtime"

export interface RuntimeRow {
  readonly name: string
  readonly value: number
  readonly unit: string
  /** the same figure from the PyTorch reference, when it ran */
  readonly anchor?: number
  /** value / anchor */
  readonly ratio?: number
  readonly note?: string
}

export interface RuntimeBenchOptions {
  /** fewer repetitions (for smoke tests) */
  readonly quick?: boolean
  /** skip the PyTorch reference */
  readonly anchor?: boolean
  readonly log?: (line: string) => void
}

const cpuCount = () => cpus().length

const PROMPT = 30 // random prompt tokens, as the reference's --gen-prompt
const GEN = 64 // generated tokens, as the reference's --gen-tokens

const matmulParams = (model: GlmModel): number =>
  Object.entries(baseWeightShapes(model.config))
    .filter(([n]) => !n.includes("word_embeddings"))
    .reduce((s, [, sh]) => s + sh.reduce((a, b) => a * b, 1), 0)

const prompts = (model: GlmModel, batch: number, len: number, seed: number): number[][] => {
  const cfg = model.config
  if (cfg.zaoji_arch !== "glm1") throw new Error("runtime bench uses the glm1 small preset")
  let s = seed
  const rnd = () => {
    s = (s * 1103515245 + 12345) >>> 0
    return s
  }
  return Array.from({ length: batch }, () => [
    ...Array.from({ length: len }, () => 5 + (rnd() % (cfg.vocab_size - 25))),
    cfg.gmask_token_id,
    cfg.bos_token_id
  ])
}

const argmaxRows = (logits: tf.Tensor): number[] => {
  const [b, , V] = logits.shape as [number, number, number]
  const d = logits.dataSync()
  return Array.from({ length: b }, (_, r) => {
    let best = 0
    for (let j = 1; j < V; j++) if (d[r * V + j] > d[r * V + best]) best = j
    return best
  })
}

/** One prefill + `steps` greedy steps; returns prefill and decode seconds. */
const runOnce = (model: GlmModel, ids: number[][], steps: number): { prefill: number; decode: number } => {
  const cfg = model.config
  const opts = { logits: "last" as const, cache: true, prepared: model.prepared, trainable: new Set<string>() }
  const t0 = performance.now()
  let out = forward(cfg, model.weights, { inputIds: ids, padLeft: ids.map(() => 0) }, opts)
  let next = argmaxRows(out.logits!)
  out.logits!.dispose()
  const t1 = performance.now()
  let cache: KvCache | undefined = out.cache
  for (let i = 0; i < steps; i++) {
    out = forward(cfg, model.weights, { inputIds: next.map((t) => [t]), cache }, opts)
    disposeCache(cache)
    cache = out.cache
    next = argmaxRows(out.logits!)
    out.logits!.dispose()
  }
  disposeCache(cache)
  return { prefill: (t1 - t0) / 1000, decode: (performance.now() - t1) / 1000 }
}

const best = <T>(n: number, f: () => T, key: (t: T) => number): T => {
  let b: T | undefined
  for (let i = 0; i < n; i++) {
    const r = f()
    if (b === undefined || key(r) < key(b)) b = r
  }
  return b!
}

/**
 * Batch-8 figures the reference script does not measure (batched decoding, full-length prompt
 * batches), taken with its own model code (`glm_reference.py`) at the same shapes and threads.
 */
const batchedAnchorPy = `
import json, sys, time, torch
sys.path.insert(0, sys.argv[1])
import glm_reference as R
torch.set_num_threads(2)
V = 8000
cfg = R.tiny_glm1_config(vocab_size=V, hidden_size=256, num_attention_heads=8, num_layers=6, inner_hidden_size=1024,
    max_sequence_length=2048, mask_token_id=V - 12, gmask_token_id=V - 11, bos_token_id=V - 8, eos_token_id=V - 7, pad_token_id=3)
m = R.build_model("glm1", cfg).eval()
R.init_random(m, 0, 0.02)
g = torch.Generator().manual_seed(1)
def prompts(B, P):
    ids = torch.randint(5, V - 20, (B, P), generator=g)
    return torch.cat([ids, torch.full((B, 1), V - 11), torch.full((B, 1), V - 8)], 1)
B, G = 8, int(sys.argv[2])
ids = prompts(B, 30)
full = prompts(B, 126)
dec, pre = 1e9, 1e9
with torch.no_grad():
    for rep in range(3):
        t = time.perf_counter(); m(full); pre = min(pre, time.perf_counter() - t)
        logits, past = m(ids)
        pos = m.position_ids(ids)
        mp, blk = pos[:, 0, -1], int(pos[0, 1, -1])
        tok = logits[:, -1].argmax(-1)
        t = time.perf_counter()
        for i in range(G):
            p = torch.stack([mp, torch.full((B,), blk + i + 1)], 1)[:, :, None]
            logits, past = m(tok[:, None], position_ids=p, past=past)
            tok = logits[:, -1].argmax(-1)
        dec = min(dec, time.perf_counter() - t)
print(json.dumps({"decode8_tokens_per_s": B * G / dec, "prefill8x128_tokens_per_s": B * 128 / pre}))
`

interface AnchorGen {
  prefill_tokens_per_s: number
  decode_tokens_per_s: number
  decode_gflops_per_s: number
  prompt_tokens: number
  decode8_tokens_per_s?: number
  prefill8x128_tokens_per_s?: number
}

/** The first python3 on PATH that imports torch (Debian's python3-torch may sit behind another python3). */
const torchPython = (): string | undefined => {
  const found = spawnSync("which", ["-a", "python3"], { encoding: "utf8" }).stdout ?? ""
  const candidates = [...new Set(found.split("\n").map((l) => l.trim()).filter((l) => l !== ""))]
  for (const py of candidates.length > 0 ? candidates : ["python3"]) {
    const r = spawnSync(py, ["-c", "import torch"], { stdio: "ignore" })
    if (r.status === 0) return py
  }
  return undefined
}

const runAnchor = (log: (l: string) => void): { gen?: AnchorGen; note: string } => {
  if (!hasShared) return { note: "PyTorch reference not found (no shared fixtures folder): ratios omitted" }
  const script = sharedPath("anchors", "torch_train_bench.py")
  if (!existsSync(script)) return { note: `PyTorch reference script missing: ratios omitted` }
  let py = torchPython()
  if (py === undefined) {
    log("python3-torch is absent: installing python3-torch and libopenblas0-openmp with apt-get …")
    const r = spawnSync("apt-get", ["install", "-y", "python3-torch", "libopenblas0-openmp"], { stdio: "ignore" })
    py = r.status === 0 ? torchPython() : undefined
    if (py === undefined) return { note: "python3-torch is absent and could not be installed (apt-get install -y python3-torch libopenblas0-openmp): ratios omitted" }
  }
  const dir = mkdtempSync(join(tmpdir(), "zaoji-anchor-"))
  try {
    const out = join(dir, "anchor.json")
    execFileSync(py, [script, "--modes", "generate", "--gen-prompt", String(PROMPT), "--gen-tokens", String(GEN), "--json", out], { stdio: "ignore" })
    const j = JSON.parse(readFileSync(out, "utf8"))
    const gen: AnchorGen = j.results.find((r: any) => r.mode === "generate")
    const batched = JSON.parse(execFileSync(py, ["-c", batchedAnchorPy, dirname(script), String(GEN)], { encoding: "utf8" }).trim().split("\n").pop()!)
    return { gen: { ...gen, ...batched }, note: `PyTorch ${j.torch}, ${j.threads} threads` }
  } catch (e) {
    return { note: `PyTorch reference failed (${(e as Error).message.split("\n")[0]}): ratios omitted` }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export const benchRuntime = async (options: RuntimeBenchOptions = {}): Promise<RuntimeRow[]> => {
  const log = options.log ?? (() => {})
  const backend = await ensureBackend()
  const cfg = presetConfig("small", { arch: "glm1" })
  if (cfg.zaoji_arch !== "glm1") throw new Error("unreachable: the small glm1 preset")
  const model = createModel(cfg, initWeights(cfg, { seed: 0, std: 0.02 }))
  const N = matmulParams(model)
  const reps = options.quick ? 1 : 3
  const steps = options.quick ? 8 : GEN
  const H = cfg.hidden_size
  const L = cfg.num_layers
  try {
    const one = prompts(model, 1, PROMPT, 1)
    const eight = prompts(model, 8, PROMPT, 2)
    runOnce(model, one, 2) // warm-up (kernel set-up, first allocations)
    runOnce(model, eight, 2)
    const r1 = best(reps, () => runOnce(model, one, steps), (r) => r.prefill + r.decode)
    const r8 = best(reps, () => runOnce(model, eight, steps), (r) => r.prefill + r.decode)
    // a full-length prompt batch: 8 × 128 tokens
    const full = prompts(model, 8, cfg.max_sequence_length - 2, 3) // glm1 (checked in prompts)
    const rFull = best(options.quick ? 1 : 2, () => runOnce(model, full, 0), (r) => r.prefill)
    const P = one[0].length
    const attn = (ctx: number) => 4 * L * ctx * H // QKᵀ and PV per token at context ctx (as the reference)
    const anchor = options.anchor === false ? { note: "PyTorch reference skipped" } : runAnchor(log)
    const a = anchor.gen
    const row = (name: string, value: number, unit: string, anchorValue?: number, note?: string): RuntimeRow => ({
      name,
      value,
      unit,
      ...(anchorValue !== undefined ? { anchor: anchorValue, ratio: value / anchorValue } : {}),
      ...(note !== undefined ? { note } : {})
    })
    const prefillTps = P / r1.prefill
    const dec1 = steps / r1.decode
    const dec8 = (8 * steps) / r8.decode
    const fullTps = (8 * full[0].length) / rFull.prefill
    return [
      row(`prompt processing, batch 1 × ${P} tokens`, prefillTps, "tok/s", a?.prefill_tokens_per_s),
      row(`prompt processing GFLOP/s (batch 1 × ${P})`, (prefillTps * (2 * N + attn(P))) / 1e9, "GFLOP/s", a ? (a.prefill_tokens_per_s * (2 * N + attn(P))) / 1e9 : undefined),
      row(`prompt processing, batch 8 × ${full[0].length} tokens`, fullTps, "tok/s", a?.prefill8x128_tokens_per_s),
      row(`prompt processing GFLOP/s (batch 8 × ${full[0].length})`, (fullTps * (2 * N + attn(full[0].length))) / 1e9, "GFLOP/s", a?.prefill8x128_tokens_per_s !== undefined ? (a.prefill8x128_tokens_per_s * (2 * N + attn(full[0].length))) / 1e9 : undefined),
      row(`generation with KV cache, batch 1 (${steps} tokens)`, dec1, "tok/s", a?.decode_tokens_per_s),
      row("generation GFLOP/s, batch 1", (dec1 * 2 * N) / 1e9, "GFLOP/s", a?.decode_gflops_per_s),
      row(`generation with KV cache, batch 8 (${steps} tokens each)`, dec8, "tok/s", a?.decode8_tokens_per_s),
      row("generation GFLOP/s, batch 8", (dec8 * 2 * N) / 1e9, "GFLOP/s", a?.decode8_tokens_per_s !== undefined ? (a.decode8_tokens_per_s * 2 * N) / 1e9 : undefined),
      row(`backend ${backend}; ${anchor.note}; load average ${loadavg()[0].toFixed(1)} on ${cpuCount()} CPUs`, 0, "")
    ]
  } finally {
    model.dispose()
  }
}

export const formatRuntimeTable = (rows: ReadonlyArray<RuntimeRow>): string => {
  const lines = ["| measure | Zaoji | PyTorch | ratio |", "|---|---:|---:|---:|"]
  for (const r of rows) {
    if (r.unit === "") {
      lines.push(`| ${r.name} | | | |`)
      continue
    }
    const f = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(2))
    lines.push(`| ${r.name} | ${f(r.value)} ${r.unit} | ${r.anchor !== undefined ? `${f(r.anchor)} ${r.unit}` : "–"} | ${r.ratio !== undefined ? r.ratio.toFixed(2) : "–"}${r.note ? ` (${r.note})` : ""} |`)
  }
  return lines.join("\n")
}

const isMain = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split("/").pop()!)
if (isMain) {
  const args = new Set(process.argv.slice(2))
  benchRuntime({ quick: args.has("--quick"), anchor: !args.has("--no-anchor"), log: (l) => console.error(l) }).then(
    (rows) => console.log(formatRuntimeTable(rows)),
    (e) => {
      console.error(e)
      process.exit(1)
    }
  )
}
