/**
 * Row sharding of a weight map: every matrix above a byte limit (the backend's binding limit by
 * default) is held as row shards under `name#rows<k>` keys, which the forward, `prepareLinears` and
 * the loader understand. On WebGPU a kernel cannot bind a tensor above `maxStorageBufferBindingSize`
 * (128 MiB on lavapipe, 2–4 GiB on GPUs; ChatGLM-6B's embedding is 2.47 GB).
 */
import * as tf from "@tensorflow/tfjs"
import { maxBindingBytes, rowShardEntries, rowShardsFrom, rowShardsIn } from "@zaoji/tensor"
import type { WeightMap } from "../model/types.js"

const BYTES_PER_FLOAT = 4

/** Whether a tensor of this shape is held as row shards at the limit. */
export const needsRowShards = (shape: ReadonlyArray<number>, maxBytes: number): boolean =>
  shape.length === 2 && shape[0]! * shape[1]! * BYTES_PER_FLOAT > maxBytes

/**
 * Make one weight-map entry (or its shards) from a reader of row ranges, so the host never holds
 * more than one shard of a large matrix.
 */
export const weightEntries = (
  name: string,
  shape: ReadonlyArray<number>,
  readRows: (rowStart: number, rowCount: number) => Float32Array,
  maxBytes: number = maxBindingBytes()
): Record<string, tf.Tensor> => {
  if (!needsRowShards(shape, maxBytes)) return { [name]: tf.tensor(readRows(0, shape.length === 0 ? 1 : shape[0]!), [...shape], "float32") }
  return rowShardEntries(name, rowShardsFrom([shape[0]!, shape[1]!], readRows, maxBytes))
}

/**
 * The same weights with every matrix above `maxBytes` split into row shards (through host memory,
 * one tensor at a time). Consumes `weights`: replaced tensors are disposed, the others move over.
 */
export const shardWeightMap = (
  weights: WeightMap,
  maxBytes: number = maxBindingBytes()
): Record<string, tf.Tensor> => {
  const out: Record<string, tf.Tensor> = {}
  for (const [name, t] of Object.entries(weights)) {
    if (!needsRowShards(t.shape, maxBytes)) {
      out[name] = t
      continue
    }
    const data = t.dataSync() as Float32Array
    const cols = t.shape[1]!
    Object.assign(out, weightEntries(name, t.shape, (s, n) => data.subarray(s * cols, (s + n) * cols), maxBytes))
    t.dispose()
  }
  return out
}

/** Official names of the weights a map holds, whole or as row shards. */
export const heldWeightNames = (weights: WeightMap, names: ReadonlyArray<string>): string[] =>
  names.filter((n) => weights[n] !== undefined || rowShardsIn(weights, n) !== undefined)
