import * as tf from "@tensorflow/tfjs"
import { useBackend } from "@zaoji/tensor"
import { createGlmProgram, presetConfig, baseWeightShapes } from "@zaoji/glm-runtime"
import { Rng } from "@zaoji/training"
await useBackend("wasm")
const cfg = presetConfig("small", { arch: "glm1" })
const names = Object.keys(baseWeightShapes(cfg))
const program = await createGlmProgram({ config: cfg, initSeed: 0, trainable: names })
const rng = new Rng(0)
const rows = Array.from({ length: 8 }, () => { const ids = Array.from({ length: 128 }, () => 5 + rng.int(7000)); ids[62] = (cfg as any).gmask_token_id; ids[63] = (cfg as any).bos_token_id; return ids })
const batch = { inputIds: rows, labels: rows.map((r) => r.map((x, i) => (i < 63 ? -100 : x))) }
program.gradients(batch)
let t = performance.now(); program.evalLoss(batch); console.log("eval", performance.now() - t)
t = performance.now(); program.gradients(batch); console.log("grad", performance.now() - t)
const prof = await tf.profile(() => { program.gradients(batch) })
const agg = new Map<string, { ms: number; n: number }>()
for (const k of prof.kernels) { const a = agg.get(k.name) ?? { ms: 0, n: 0 }; a.ms += (k.kernelTimeMs as number) || 0; a.n++; agg.set(k.name, a) }
const mm = new Map<string, { ms: number; n: number }>()
for (const k of prof.kernels) if (k.name === "BatchMatMul") { const key = JSON.stringify(k.inputShapes) + JSON.stringify((k as any).extraInfo ?? ""); const a = mm.get(key) ?? { ms: 0, n: 0 }; a.ms += (k.kernelTimeMs as number) || 0; a.n++; mm.set(key, a) }
console.log([...mm.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 20).map(([n, a]) => `${n} ${a.ms.toFixed(0)}ms x${a.n}`).join("\n"))
console.log([...agg.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25).map(([n, a]) => `${n} ${a.ms.toFixed(0)}ms x${a.n}`).join("\n"))
