import * as tf from "@tensorflow/tfjs"
import { useBackend } from "@zaoji/tensor"
import { attend } from "../../../plugins/glm-runtime/src/model/attention.js"
await useBackend("wasm")
const q = tf.randomNormal([8, 128, 8, 32]) as tf.Tensor4D, k = tf.randomNormal([8, 8, 128, 32]) as tf.Tensor4D, v = tf.randomNormal([8, 8, 128, 32]) as tf.Tensor4D
const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.square(attend(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, undefined))))
const run = () => { const r = g([q, k, v]); r.forEach(t => t.dataSync()); tf.dispose(r) }
for (let i = 0; i < 3; i++) run()
const ts: number[] = [], cs: number[] = []
for (let i = 0; i < 10; i++) { const t = performance.now(); const c = process.cpuUsage(); run(); const d = process.cpuUsage(c); cs.push((d.user + d.system) / 1000); ts.push(performance.now() - t) }
ts.sort((a,b)=>a-b); cs.sort((a,b)=>a-b); console.log("attend fwd+bwd wall", ts[5].toFixed(1), "cpu", cs[5].toFixed(1))
