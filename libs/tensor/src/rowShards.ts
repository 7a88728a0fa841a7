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
import { addRow } from "./rowOps.js"

const BYTES_PER_FLOAT = 4
const SHARD_MARK = "#rows"

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

/** Rows per shard of a `[rows, cols]` float32 matrix at a byte limit per shard (all rows when it fits). */
export const rowsPerShardFor = (shape: readonly [number, number], maxBytes: number): number => {
  const [rows, cols] = shape
  const rowBytes = cols * BYTES_PER_FLOAT
  if (rowBytes > maxBytes) throw new Error(`rowShards: one row of ${cols} floats (${rowBytes} bytes) is above the binding limit of ${maxBytes} bytes`)
  return Math.max(1, Math.min(rows, Math.floor(maxBytes / rowBytes)))
}

/**
 * Build row shards one block at a time from a reader of row ranges (a file, a generator): only one
 * shard's host data exists at a time, so a matrix larger than JS memory can reach the device.
 */
export const rowShardsFrom = (
  shape: readonly [number, number],
  readRows: (rowStart: number, rowCount: number) => Float32Array,
  maxBytes: number = maxBindingBytes()
): RowShards => {
  const [rows, cols] = shape
  const rowsPerShard = rowsPerShardFor(shape, maxBytes)
  const shards: tf.Tensor2D[] = []
  try {
    for (let start = 0; start < rows; start += rowsPerShard) {
      const n = Math.min(rowsPerShard, rows - start)
      const data = readRows(start, n)
      if (data.length !== n * cols) throw new Error(`rowShards: rows [${start}, ${start + n}) came with ${data.length} values (expected ${n * cols})`)
      shards.push(tf.tensor2d(data, [n, cols], "float32"))
    }
  } catch (e) {
    tf.dispose(shards)
    throw e
  }
  return { shape: [rows, cols], rowsPerShard, shards, dispose: () => tf.dispose(shards) }
}

/**
 * The weight-map key of shard `k` of the matrix `name`. A model whose map holds `name#rows0`,
 * `name#rows1`, … instead of `name` uses the row-sharded kernels for it (the `#` appears in no
 * checkpoint's tensor names, so the keys cannot collide with a real tensor).
 */
export const rowShardKey = (name: string, k: number): string => `${name}${SHARD_MARK}${k}`

/** The official name a shard key belongs to, or undefined for a plain name. */
export const rowShardBase = (key: string): string | undefined => {
  const at = key.lastIndexOf(SHARD_MARK)
  return at < 0 ? undefined : key.slice(0, at)
}

/** Weight-map entries for the shards of `name` (the map then owns the shard tensors). */
export const rowShardEntries = (name: string, table: RowShards): Record<string, tf.Tensor2D> =>
  Object.fromEntries(table.shards.map((t, k) => [rowShardKey(name, k), t]))

/**
 * The shards of `name` held in a weight map (a view: disposing the map disposes them), or
 * undefined when the map holds `name` whole or not at all.
 */
export const rowShardsIn = (weights: Readonly<Record<string, tf.Tensor>>, name: string): RowShards | undefined => {
  const shards: tf.Tensor2D[] = []
  for (let k = 0; weights[rowShardKey(name, k)] !== undefined; k++) shards.push(weights[rowShardKey(name, k)] as tf.Tensor2D)
  if (shards.length === 0) return undefined
  const cols = shards[0]!.shape[1]
  const rows = shards.reduce((n, t) => n + t.shape[0], 0)
  return { shape: [rows, cols], rowsPerShard: shards[0]!.shape[0], shards, dispose: () => undefined }
}

/** The whole `[rows, cols]` matrix of row shards, read back to the host (synchronous read: CPU-side backends). */
export const rowShardsData = (table: RowShards): Float32Array => {
  const data = new Float32Array(table.shape[0] * table.shape[1])
  let at = 0
  for (const shard of table.shards) {
    const part = shard.dataSync() as Float32Array
    data.set(part, at)
    at += part.length
  }
  return data
}

/**
 * Split host data `[rows, cols]` into row shards of at most `maxBytes` each (default: the backend's
 * binding limit; one shard where there is none).
 */
export const rowShards = (data: Float32Array, shape: readonly [number, number], maxBytes: number = maxBindingBytes()): RowShards => {
  const [rows, cols] = shape
  if (data.length !== rows * cols) throw new Error(`rowShards: ${data.length} values for shape [${rows}, ${cols}] (expected ${rows * cols})`)
  return rowShardsFrom(shape, (start, n) => data.subarray(start * cols, (start + n) * cols), maxBytes)
}

/**
 * `table[ids]` over row shards: each shard gathers the ids that fall in it, and one small gather
 * puts the rows back in the order of `ids`. Differentiable with respect to every shard, also one
 * that no id falls in (its gradient is zeros: a trainable sharded embedding gets a gradient for
 * each of its shards), with the same WASM-safe scatter as `embeddingLookup`.
 */
export const embeddingLookupRows = (table: RowShards, ids: ReadonlyArray<number>): tf.Tensor2D => {
  const [rows, dim] = table.shape
  for (const id of ids) {
    if (!Number.isInteger(id) || id < 0 || id >= rows) throw new RangeError(`token id ${id} is outside the vocabulary [0, ${rows})`)
  }
  if (table.shards.length === 1) return embeddingLookup(table.shards[0]!, ids)
  // per shard: the local ids it serves and the positions of `ids` they came from
  const local: number[][] = table.shards.map(() => [])
  const from: number[][] = table.shards.map(() => [])
  ids.forEach((id, i) => {
    const k = Math.floor(id / table.rowsPerShard)
    local[k]!.push(id - k * table.rowsPerShard)
    from[k]!.push(i)
  })
  const f = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const shards = args.slice(0, table.shards.length) as tf.Tensor2D[]
    const value = tf.tidy(() => {
      const parts: tf.Tensor2D[] = []
      const order: number[] = []
      shards.forEach((shard, k) => {
        if (local[k]!.length === 0) return
        parts.push(gatherRows(shard, local[k]!))
        order.push(...from[k]!)
      })
      const gathered = parts.length === 1 ? parts[0]! : (tf.concat(parts, 0) as tf.Tensor2D)
      // row j of `gathered` is position order[j] of `ids`: invert that permutation
      const back = new Array<number>(ids.length)
      order.forEach((pos, j) => (back[pos] = j))
      return gatherRows(gathered, back)
    })
    return {
      value,
      gradFunc: (dy: tf.Tensor) =>
        shards.map((shard, k) =>
          local[k]!.length === 0
            ? tf.zeros(shard.shape, "float32")
            : tf.tidy(() => {
                const idx = tf.tensor2d(Int32Array.from(local[k]!), [local[k]!.length, 1], "int32")
                return tf.scatterND(idx, gatherRows(dy as tf.Tensor2D, from[k]!), [shard.shape[0], dim])
              })
        )
    }
  })
  return (f as unknown as (...xs: tf.Tensor[]) => tf.Tensor2D)(...table.shards)
}

/**
 * PyTorch `Linear` without bias against a row-sharded weight `[out, in]` (the LM head):
 * `x · Wᵀ`, computed shard by shard and joined along the output axis.
 */
export const linearRows = (
  x: tf.Tensor,
  w: RowShards,
  options: {
    readonly weightGrad?: boolean | ((shard: number) => boolean)
    /** shard k pre-transposed to `[in, rows of k]` (frozen weights) */
    readonly weightT?: (shard: number) => tf.Tensor2D | undefined
    readonly bias?: tf.Tensor
  } = {}
): tf.Tensor => {
  const per = (k: number) => {
    const g = options.weightGrad
    const weightT = options.weightT?.(k)
    return { weightGrad: typeof g === "function" ? g(k) : g, ...(weightT !== undefined ? { weightT } : {}) }
  }
  if (w.shards.length === 1) return linear(x, w.shards[0]!, { ...per(0), ...(options.bias !== undefined ? { bias: options.bias } : {}) })
  return tf.tidy(() => {
    const y = tf.concat(w.shards.map((shard, k) => linear(x, shard, per(k))), -1)
    if (options.bias === undefined) return y
    return y.rank === 2 ? addRow(y as tf.Tensor2D, options.bias) : tf.add(y, options.bias)
  })
}

// internal

/** `t[rows]` as a plain gather (inside a custom gradient: never differentiated itself) */
const gatherRows = (t: tf.Tensor2D, rows: ReadonlyArray<number>): tf.Tensor2D =>
  tf.tidy(() => tf.gather(t, tf.tensor1d(Int32Array.from(rows), "int32")) as tf.Tensor2D)
