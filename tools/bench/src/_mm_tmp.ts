import * as tf from "@tensorflow/tfjs"
import { useBackend } from "@zaoji/tensor"
await useBackend("wasm")
const x = tf.randomNormal([64, 128, 128])
const idx = Array.from({ length: 64 }, (_, i) => tf.tensor1d([i], "int32"))
const t = performance.now()
for (let k = 0; k < 30; k++) { const r = idx.map((ix) => tf.gather(x, ix)); r[63].dataSync(); tf.dispose(r) }
console.log((performance.now() - t) / 30)
