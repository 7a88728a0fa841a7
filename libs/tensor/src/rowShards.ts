/**
 * Matrices kept as row shards, for backends that cannot bind one tensor of their size: WebGPU binds
 * at most `maxStorageBufferBindingSize` bytes per tensor (128 MiB on Mesa's lavapipe, 2–4 GiB on
 * GPUs), below ChatGLM-6B's 2.47 GB word embedding. The two uses of such a matrix in a GLM are the
 * embedding gather and the LM head, so both are provided over shards; each kernel then binds one
 * shard at a time. The shards are made from host memory, so the whole matrix never exists on the
 * device as one tensor.
 */
import * as tf from "@tensorflow/tfjs"
import { embeddingLookup, linear } from "./linear.js"

const BYTES_PER_FLOAT = 4

/** The largest tensor the current backend binds to a kernel (no limit off WebGPU). */
export const maxBindingBytes = (): number => {
  if (tf.getBackend() !== "webgpu") return Number.POSITIVE_INFINITY
  return (tf.backend() as unknown as { device: GPUDevice }).device.limits.maxStorageBufferBindingSize
}

/** A `[rows, cols]` float32 matrix as consecutive row blocks of `rowsPerShard` rows (the last may be shorter). */
export interface RowShards {
  readonly shape: readonly [number, number]
  readonly rowsPerShard: number
  readonly shards: ReadonlyArray<tf.Tensor2D>
  dispose(): void
}

/**
 * Split host data `[rows, cols]` into row shards of at most `maxBytes` each (default: the backend's
 * binding limit; one shard where there is none).
 */
export const rowShards = (data: Float32Array, shape: readonly [number, number], maxBytes: number = maxBindingBytes()): RowShards => {
  const [rows, cols] = shape
  if (data.length !== rows * cols) throw new Error(`rowShards: ${data.length} values for shape [${rows}, ${cols}] (expected ${rows * cols})`)
  const rowBytes = cols * BYTES_PER_FLOAT
  if (rowBytes > maxBytes) throw new Error(`rowShards: one row of ${cols} floats (${rowBytes} bytes) is above the binding limit of ${maxBytes} bytes`)
  const rowsPerShard = Math.max(1, Math.min(rows, Math.floor(maxBytes / rowBytes)))
  const shards: tf.Tensor2D[] = []
  for (let start = 0; start < rows; start += rowsPerShard) {
    const n = Math.min(rowsPerShard, rows - start)
    shards.push(tf.tensor2d(data.subarray(start * cols, (start + n) * cols), [n, cols], "float32"))
  }
  return { shape: [rows, cols], rowsPerShard, shards, dispose: () => tf.dispose(shards) }
}

/**
 * `table[ids]` over row shards: each shard gathers the ids that fall in it, and one small gather
 * puts the rows back in the order of `ids`. Differentiable with respect to the shards (the same
 * WASM-safe gradient as `embeddingLookup`).
 */
export const embeddingLookupRows = (table: RowShards, ids: ReadonlyArray<number>): tf.Tensor2D => {
  const [rows] = table.shape
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= rows) throw new RangeError(`token id ${id} is outside the vocabulary [0, ${rows})`)
  }
  if (table.shards.length === 1) return embeddingLookup(table.shards[0]!, ids)
  return tf.tidy(() => {
    // per shard: the local ids it serves; then where each original position landed
    const local: number[][] = table.shards.map(() => [])
    const slot: Array<[number, number]> = ids.map((id) => {
      const k = Math.floor(id / table.rowsPerShard)
      local[k]!.push(id - k * table.rowsPerShard)
      return [k, local[k]!.length - 1]
    })
    const parts: tf.Tensor2D[] = []
    const base: number[] = []
    let offset = 0
    table.shards.forEach((shard, k) => {
      base.push(offset)
      if (local[k]!.length === 0) return
      parts.push(embeddingLookup(shard, local[k]!))
      offset += local[k]!.length
    })
    const gathered = parts.length === 1 ? parts[0]! : (tf.concat(parts, 0) as tf.Tensor2D)
    return embeddingLookup(gathered, slot.map(([k, j]) => base[k]! + j))
  })
}

/**
 * PyTorch `Linear` without bias against a row-sharded weight `[out, in]` (the LM head):
 * `x · Wᵀ`, computed shard by shard and joined along the output axis.
 */
export const linearRows = (x: tf.Tensor, w: RowShards, options: { readonly weightGrad?: boolean } = {}): tf.Tensor => {
  if (w.shards.length === 1) return linear(x, w.shards[0]!, options)
  return tf.tidy(() => tf.concat(w.shards.map((shard) => linear(x, shard, options)), -1))
}
