import * as tf from "@tensorflow/tfjs"
import { useBackend } from "@zaoji/tensor"
import { glmProgramModule, presetConfig, baseWeightShapes, type GlmConfig } from "@zaoji/glm-runtime"
import { createLocalProgram, Rng } from "@zaoji/training"
await useBackend("wasm")
const mode = process.argv[2] ?? "full"
const s = { vocab: 8000, hidden: 256, heads: 8, layers: 6, ffn: 1024, seq: 128, batch: 8 }
const base = presetConfig("small", { arch: "glm1", pre_seq_len: mode === "prefix" ? 16 : null, prefix_projection: false })
const cfg = { ...base, vocab_size: s.vocab, hidden_size: s.hidden, num_attention_heads: s.heads, num_layers: s.layers, inner_hidden_size: s.ffn } as GlmConfig
const names = Object.keys(baseWeightShapes(cfg))
const trainable = mode === "full" ? names : mode === "prefix" ? ["transformer.prefix_encoder.embedding.weight"] : names.filter(n => n.startsWith("transformer.layers.4.") || n.startsWith("transformer.layers.5."))
const prog = await (createLocalProgram as any)({ module: glmProgramModule, args: { config: cfg, initSeed: 0, trainable } })
const rng = new Rng(0); const half = 64
const batch = Array.from({ length: 8 }, () => { const ids = Array.from({ length: 128 }, () => 5 + rng.int(s.vocab - 25)); ids[half-2] = (cfg as any).gmask_token_id; ids[half-1] = (cfg as any).bos_token_id; return { inputIds: ids, labels: ids.map((x, i) => (i < half - 1 ? -100 : x)) } })
const tb = { inputIds: batch.map(b => b.inputIds), labels: batch.map(b => b.labels) }
for (let i = 0; i < 2; i++) prog.gradients(tb)
const ts: number[] = [], cs: number[] = []
for (let i = 0; i < 5; i++) { const t = performance.now(); const c = process.cpuUsage(); prog.gradients(tb); const d = process.cpuUsage(c); cs.push((d.user + d.system) / 1000); ts.push(performance.now() - t) }
ts.sort((a,b)=>a-b); cs.sort((a,b)=>a-b); console.log(mode, "step ms median wall", ts[2].toFixed(0), "cpu", cs[2].toFixed(0), "min cpu", cs[0].toFixed(0))
if (process.argv.includes("--cpuprof")) {
  const agg = new Map<string, { ms: number; n: number }>()
  const byName = new Map<string, { ms: number; n: number }>()
  let depth = 0
  for (const k of tf.getKernelsForBackend("wasm")) {
    const orig = k.kernelFunc
    tf.unregisterKernel(k.kernelName, "wasm")
    tf.registerKernel({ ...k, kernelFunc: (args: any) => {
      depth++
      const c = process.cpuUsage()
      try { return orig(args) } finally {
        depth--
        const d = process.cpuUsage(c); const ms = (d.user + d.system) / 1000
        const key = `${k.kernelName} ${JSON.stringify(Object.values(args.inputs).map((t: any) => t?.shape))}`
        const a = agg.get(key) ?? { ms: 0, n: 0 }; a.ms += ms; a.n++; agg.set(key, a)
        const b = byName.get(k.kernelName) ?? { ms: 0, n: 0 }; b.ms += ms; b.n++; byName.set(k.kernelName, b)
      }
    } })
  }
  const c0 = process.cpuUsage()
  const N = 3
  for (let i = 0; i < N; i++) prog.gradients(tb)
  const d0 = process.cpuUsage(c0)
  let total = 0; for (const v of byName.values()) total += v.ms
  console.log("cpu per step", ((d0.user + d0.system) / 1000 / N).toFixed(0), "in kernels", (total / N).toFixed(0))
  for (const [k, v] of [...byName].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) console.log((v.ms / N).toFixed(1).padStart(8), String(v.n / N).padStart(5), k)
  console.log("---")
  for (const [k, v] of [...agg].sort((a, b) => b[1].ms - a[1].ms).slice(0, 45)) console.log((v.ms / N).toFixed(1).padStart(8), String(v.n / N).padStart(5), k)
}
if (process.argv.includes("--prof")) {
  const info = await tf.profile(() => { prog.gradients(tb) })
  const agg = new Map<string, { ms: number; n: number }>()
  let total = 0
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0
    total += ms
    const key = `${k.name} ${JSON.stringify(k.inputShapes)}`
    const a = agg.get(key) ?? { ms: 0, n: 0 }; a.ms += ms; a.n++; agg.set(key, a)
  }
  const byName = new Map<string, { ms: number; n: number }>()
  for (const k of info.kernels) { const ms = typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0; const a = byName.get(k.name) ?? { ms: 0, n: 0 }; a.ms += ms; a.n++; byName.set(k.name, a) }
  console.log("kernels", info.kernels.length, "total kernel ms", total.toFixed(0))
  for (const [k, v] of [...byName].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) console.log(v.ms.toFixed(1).padStart(8), String(v.n).padStart(5), k)
  console.log("---")
  for (const [k, v] of [...agg].sort((a, b) => b[1].ms - a[1].ms).slice(0, 40)) console.log(v.ms.toFixed(1).padStart(8), String(v.n).padStart(5), k)
}
prog.dispose()
