/** Host tensors (from safetensors) ⇄ tf tensors. */
import * as tf from "@tensorflow/tfjs"
import { rowShardsData, rowShardsIn, type HostTensor } from "@zaoji/tensor"
import type { WeightMap } from "../model/types.js"

export const toTf = (host: ReadonlyMap<string, HostTensor>): Record<string, tf.Tensor> => {
  const out: Record<string, tf.Tensor> = {}
  for (const [name, t] of host) out[name] = tf.tensor(t.data, [...t.shape], "float32")
  return out
}

export const toHost = (weights: WeightMap, names?: ReadonlyArray<string>): Map<string, HostTensor> => {
  const out = new Map<string, HostTensor>()
  for (const name of names ?? Object.keys(weights)) {
    const t = weights[name]
    if (t !== undefined) {
      out.set(name, { shape: t.shape, data: t.dataSync() as Float32Array })
      continue
    }
    // a row-sharded matrix is written whole, as its checkpoint name
    const shards = rowShardsIn(weights, name)
    if (shards === undefined) throw new Error(`weight "${name}" is not in the weight map`)
    out.set(name, { shape: shards.shape, data: rowShardsData(shards) })
  }
  return out
}

export const disposeWeights = (weights: WeightMap | undefined): void => {
  if (weights === undefined) return
  for (const t of Object.values(weights)) t.dispose()
}
