import * as tf from "@tensorflow/tfjs"
import { useBackend } from "@zaoji/tensor"
await useBackend("wasm")
const time = (name: string, f: () => tf.Tensor | tf.Tensor[]) => {
  for (let i = 0; i < 2; i++) tf.dispose(f())
  const ts: number[] = []
  for (let i = 0; i < 7; i++) { const t = performance.now(); const r = f(); const rr = (Array.isArray(r) ? r : [r]); rr[rr.length-1].dataSync(); tf.dispose(r); ts.push(performance.now() - t) }
  ts.sort((a, b) => a - b); console.log(name.padEnd(50), ts[3].toFixed(2), "ms")
}
for (const m of [8, 32, 128, 512]) {
  const x = tf.randomNormal([64, m, 128])
  const idx = Array.from({ length: 64 }, (_, i) => tf.tensor1d([i], "int32"))
  time(`gather 3d m=${m}`, () => idx.map((ix) => tf.gather(x, ix)))
  time(`unstack m=${m}`, () => tf.unstack(x))
  time(`unstack m=${m} + dataSync each`, () => { const r = tf.unstack(x); r.forEach(t => t.dataSync()); return r })
}
