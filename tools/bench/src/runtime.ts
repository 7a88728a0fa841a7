/**
 * Runtime benchmark, `small` preset (glm1: vocab 8000, hidden 256, 8 heads, 6 layers, ffn 1024):
 * prompt processing (batch 1 × 32 and 8 × 128 tokens) and greedy generation with the KV cache
 * (batch 1 and 8), beside the PyTorch reference doing the same work in the same invocation.
 *
 * Same work on both sides: logits of the last position only in prompt processing (what generation
 * needs; PyTorch's head is restricted to it too, see torch_bench.py), the same prompts' shapes and
 * the same number of decoded tokens in every mode (`--quick` shortens both). The two sides are
 * measured in alternating rounds (Zaoji, PyTorch, Zaoji threaded, …) and each reports its best
 * round, so a noisy neighbour hits both alike. Threads: Zaoji's WASM runs one thread per instance
 * in Node; the threaded SIMD build (wasmThreads.ts) runs one instance on two; PyTorch is timed
 * with one and with two threads.
 *
 *   node --import tsx tools/bench/src/runtime.ts [--quick] [--no-torch] [--no-threaded]
 */
import * as tf from "@tensorflow/tfjs"
import { loadavg, cpus } from "node:os"
import { pathToFileURL } from "node:url"
import { currentBackend, useBackend } from "@zaoji/tensor"
import { createModel, disposeCache, forward, initWeights, presetConfig, type GlmConfig, type GlmModel, type KvCache } from "@zaoji/glm-runtime"
import { decodeFlops, modelSizes, prefillFlops, type ModelSizes } from "./flops.js"
import { referenceFolder, torchRuntime, type TorchShape } from "./torchBench.js"
import { findTorchPython, type TorchPython } from "./torchPython.js"
import { runThreadedChild } from "./threadedChild.js"

/** random prompt tokens before [gMASK, <bos>] */
export const PROMPT = 30
/** decoded tokens per row, both sides, every mode but --quick */
export const GEN_TOKENS = 64
export const QUICK_GEN_TOKENS = 16

export const runtimeShape: TorchShape = { vocab: 8000, hidden: 256, heads: 8, layers: 6, ffn: 1024, seq: 128, batch: 8, freezeLayers: 2, preSeqLen: 16 }

/** Best seconds of each measure. */
export interface RuntimeSeconds {
  readonly prefill1: number
  readonly prefill8: number
  readonly decode1: number
  readonly decode8: number
}

const runtimeConfig = (): GlmConfig => {
  const cfg = presetConfig("small", { arch: "glm1" })
  if (cfg.zaoji_arch !== "glm1") throw new Error("unreachable: the small glm1 preset")
  return cfg
}

const prompts = (cfg: GlmConfig, batch: number, len: number, seed: number): number[][] => {
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
    for (let j = 1; j < V; j++) if (d[r * V + j]! > d[r * V + best]!) best = j
    return best
  })
}

/** One prefill (logits of the last position) + `steps` greedy steps; prefill and decode seconds. */
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

const bestOf = (a: RuntimeSeconds | undefined, b: RuntimeSeconds): RuntimeSeconds =>
  a === undefined
    ? b
    : { prefill1: Math.min(a.prefill1, b.prefill1), prefill8: Math.min(a.prefill8, b.prefill8), decode1: Math.min(a.decode1, b.decode1), decode8: Math.min(a.decode8, b.decode8) }

/**
 * A Zaoji runtime session on the current backend: `measure(reps)` returns the best seconds of
 * `reps` repetitions of every measure.
 */
export const zaojiRuntimeSession = (genTokens: number) => {
  const cfg = runtimeConfig()
  const model = createModel(cfg, initWeights(cfg, { seed: 0, std: 0.02 }))
  const one = prompts(cfg, 1, PROMPT, 1)
  const eight = prompts(cfg, 8, PROMPT, 2)
  const full = prompts(cfg, 8, runtimeShape.seq - 2, 3)
  // warm-up: kernel set-up and first allocations at every shape
  runOnce(model, one, 2)
  runOnce(model, eight, 2)
  runOnce(model, full, 0)
  const measure = (reps: number): RuntimeSeconds => {
    let best: RuntimeSeconds | undefined
    for (let i = 0; i < reps; i++) {
      const r1 = runOnce(model, one, genTokens)
      const r8 = runOnce(model, eight, genTokens)
      const rf = runOnce(model, full, 0)
      best = bestOf(best, { prefill1: r1.prefill, prefill8: rf.prefill, decode1: r1.decode, decode8: r8.decode })
    }
    return best!
  }
  return { measure, dispose: () => model.dispose(), promptTokens: one[0]!.length, fullShape: [8, full[0]!.length] as const }
}

export interface RuntimeBench {
  readonly genTokens: number
  readonly promptTokens: number
  readonly rounds: number
  readonly sizes: ModelSizes
  readonly backend: string
  /** Zaoji, WASM, one thread */
  readonly zaoji: RuntimeSeconds
  /** Zaoji, threaded SIMD WASM, one instance on `threads` threads, or why not */
  readonly threaded: { readonly threads: number; readonly seconds: RuntimeSeconds } | { readonly unavailable: string }
  /** PyTorch by thread count, or why not */
  readonly torch: { readonly version: string; readonly byThreads: ReadonlyMap<number, RuntimeSeconds> } | { readonly unavailable: string }
  readonly loadAverage: number
}

export interface RuntimeBenchOptions {
  /** fewer rounds and decoded tokens (the same on both sides) */
  readonly quick?: boolean
  /** the Python with torch (from findTorchPython), or false to skip the reference */
  readonly torch?: TorchPython | false
  /** also time the threaded SIMD build with this many threads (0: skip) */
  readonly threadedThreads?: number
  readonly log?: (line: string) => void
}

export const benchRuntime = async (options: RuntimeBenchOptions = {}): Promise<RuntimeBench> => {
  const log = options.log ?? (() => {})
  // the single-threaded WASM build, whatever backend the machine would pick: the columns say so
  await useBackend("wasm")
  const backend = currentBackend()
  const genTokens = options.quick ? QUICK_GEN_TOKENS : GEN_TOKENS
  const rounds = options.quick ? 1 : 3
  const threadedThreads = options.threadedThreads ?? 2
  const torchPy = options.torch === false ? { unavailable: "skipped (--no-torch)" } : (options.torch ?? (await findTorchPython({ log })))
  const folder = "python" in torchPy ? referenceFolder() : torchPy
  const session = zaojiRuntimeSession(genTokens)
  let zaoji: RuntimeSeconds | undefined
  let threaded: RuntimeSeconds | undefined
  let threadedFailure = threadedThreads > 0 ? undefined : "skipped"
  const torchBest = new Map<number, RuntimeSeconds>()
  let torchVersion = ""
  let torchFailure = "python" in torchPy && "folder" in folder ? undefined : "unavailable" in folder ? folder.unavailable : "skipped"
  try {
    // alternate the sides round by round; each keeps its best round
    for (let r = 0; r < rounds; r++) {
      log(`  runtime round ${r + 1}/${rounds}: Zaoji`)
      zaoji = bestOf(zaoji, session.measure(1))
      if (torchFailure === undefined && "python" in torchPy && "folder" in folder) {
        log(`  runtime round ${r + 1}/${rounds}: PyTorch (1 and 2 threads)`)
        try {
          const t = torchRuntime(torchPy.python, folder.folder, runtimeShape, [1, 2], genTokens, PROMPT, 1)
          torchVersion = t.torch
          for (const x of t.results) torchBest.set(x.threads, bestOf(torchBest.get(x.threads), x.seconds))
        } catch (e) {
          torchFailure = (e as Error).message
        }
      }
      if (threadedFailure === undefined) {
        log(`  runtime round ${r + 1}/${rounds}: Zaoji, threaded SIMD WASM (${threadedThreads} threads)`)
        try {
          const t = await runThreadedChild<RuntimeSeconds>(["runtime", "--threads", `${threadedThreads}`, "--gen-tokens", `${genTokens}`])
          threaded = bestOf(threaded, t)
        } catch (e) {
          threadedFailure = (e as Error).message
        }
      }
    }
  } finally {
    session.dispose()
  }
  return {
    genTokens,
    promptTokens: session.promptTokens,
    rounds,
    sizes: modelSizes(runtimeConfig(), runtimeShape.freezeLayers),
    backend,
    zaoji: zaoji!,
    threaded: threaded !== undefined && threadedFailure === undefined ? { threads: threadedThreads, seconds: threaded } : { unavailable: threadedFailure ?? "not measured" },
    torch: torchFailure === undefined && torchBest.size > 0 ? { version: torchVersion, byThreads: torchBest } : { unavailable: torchFailure ?? "not measured" },
    loadAverage: loadavg()[0]!
  }
}

const fmt = (v: number) => Math.round(v).toLocaleString("en-US")

/** The runtime table (markdown), ratios Zaoji / PyTorch at equal threads (> 1: Zaoji faster). */
export const formatRuntimeTable = (b: RuntimeBench): string => {
  const P = b.promptTokens
  const G = b.genTokens
  const S = runtimeShape.seq
  const measures = [
    { key: "prefill1", name: `prompt processing, batch 1 × ${P}`, tokens: P, flops: prefillFlops(b.sizes, 1, P) },
    { key: "prefill8", name: `prompt processing, batch 8 × ${S}`, tokens: 8 * S, flops: prefillFlops(b.sizes, 8, S) },
    { key: "decode1", name: `generation with KV cache, batch 1, ${G} tokens`, tokens: G, flops: decodeFlops(b.sizes, 1, P, G) },
    { key: "decode8", name: `generation with KV cache, batch 8, ${G} tokens each`, tokens: 8 * G, flops: decodeFlops(b.sizes, 8, P, G) }
  ] as const
  const torch = "byThreads" in b.torch ? b.torch.byThreads : undefined
  const threaded = "seconds" in b.threaded ? b.threaded : undefined
  const cell = (s: number | undefined, tokens: number, flops?: number) =>
    s === undefined ? "–" : `${fmt(tokens / s)} tok/s${flops !== undefined ? ` (${(flops / s / 1e9).toFixed(1)} GFLOP/s)` : ""}`
  const ratio = (z: number | undefined, t: number | undefined) => (z === undefined || t === undefined ? "–" : (t / z).toFixed(2))
  const tn = threaded?.threads ?? 2
  const lines = [
    `| GLM runtime, \`small\` preset, same work both sides | Zaoji WASM, 1 thread | Zaoji threaded WASM, 1 × ${tn} threads | PyTorch, 1 thread | PyTorch, 2 threads | ratio, 1 thread each | ratio, ${tn} threads each |`,
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
  ]
  for (const m of measures) {
    const z = b.zaoji[m.key]
    const zt = threaded?.seconds[m.key]
    const t1 = torch?.get(1)?.[m.key]
    const t2 = torch?.get(tn)?.[m.key]
    lines.push(`| ${m.name} | ${cell(z, m.tokens, m.flops)} | ${cell(zt, m.tokens, m.flops)} | ${cell(t1, m.tokens)} | ${cell(t2, m.tokens)} | ${ratio(z, t1)} | ${ratio(zt, t2)} |`)
  }
  const notes = [
    `LM head on the same rows both sides (the last position in prompt processing, the new one in generation); GFLOP/s counted from that work, one formula for both sides.`,
    `Best of ${b.rounds} alternating round${b.rounds === 1 ? "" : "s"} per side; ${G} decoded tokens per row on both sides; backend ${b.backend}; ${"version" in b.torch ? `PyTorch ${b.torch.version}` : `PyTorch: ${b.torch.unavailable}`}; ${"unavailable" in b.threaded ? `threaded WASM: ${b.threaded.unavailable}; ` : ""}load average ${b.loadAverage.toFixed(1)} on ${cpus().length} CPUs.`
  ]
  return [...lines, "", ...notes].join("\n")
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const args = new Set(process.argv.slice(2))
  const b = await benchRuntime({
    quick: args.has("--quick"),
    torch: args.has("--no-torch") ? false : undefined,
    threadedThreads: args.has("--no-threaded") ? 0 : 2,
    log: (l) => console.error(l)
  })
  console.log(formatRuntimeTable(b))
}
