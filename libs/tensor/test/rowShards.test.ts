/**
 * Row-sharded matrices: the embedding gather and the LM head over shards equal the plain ones, on
 * the cpu backend with small shards, and on WebGPU with a matrix above the adapter's binding limit
 * (on lavapipe 9,000 × 4,096 float32 = 141 MiB > 128 MiB), which unsharded fails loudly.
 */
import * as tf from "@tensorflow/tfjs"
import { describe, expect, it } from "vitest"
import { embeddingLookup, embeddingLookupRows, GpuError, linear, linearRows, maxBindingBytes, rowShards, useBackend, webGpuUnavailable } from "../src/index.js"

/** deterministic values in [-0.5, 0.5) (a multiplicative hash: cheap for 37 M elements) */
const filled = (n: number, seed: number) => {
  const a = new Float32Array(n)
  for (let i = 0; i < n; i++) a[i] = ((Math.imul(i + seed, 2654435761) >>> 0) % 10007) / 10007 - 0.5
  return a
}

/** x · Wᵀ on the host, in float64 */
const hostLinear = (x: Float32Array, n: number, w: Float32Array, rows: number, cols: number) => {
  const out = new Float64Array(n * rows)
  for (let i = 0; i < n; i++) {
    for (let r = 0; r < rows; r++) {
      let s = 0
      const wo = r * cols
      const xo = i * cols
      for (let c = 0; c < cols; c++) s += x[xo + c]! * w[wo + c]!
      out[i * rows + r] = s
    }
  }
  return out
}

const worstRel = (got: ArrayLike<number>, want: ArrayLike<number>) => {
  expect(got.length).toBe(want.length)
  let worst = 0
  for (let i = 0; i < want.length; i++) {
    expect(Number.isFinite(got[i])).toBe(true)
    worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!)))
  }
  return worst
}

describe("row shards on the cpu backend", () => {
  it("gather and LM head over 4 shards equal the unsharded ones, gradients included, no leak", async () => {
    await useBackend("cpu")
    expect(maxBindingBytes()).toBe(Number.POSITIVE_INFINITY)
    const rows = 10
    const cols = 6
    const data = filled(rows * cols, 1)
    const w = rowShards(data, [rows, cols], 3 * cols * 4)
    expect(w.shards.map((s) => s.shape[0])).toEqual([3, 3, 3, 1])
    const whole = tf.tensor2d(data, [rows, cols])
    const before = tf.memory().numTensors
    const ids = [9, 0, 3, 3, 8, 2]
    const a = embeddingLookupRows(w, ids)
    const b = embeddingLookup(whole, ids)
    expect([...(await a.data())]).toEqual([...(await b.data())])
    const x = tf.tensor2d(filled(2 * cols, 2), [2, cols])
    const la = linearRows(x, w)
    const lb = linear(x, whole)
    expect(worstRel(await la.data(), await lb.data())).toBeLessThan(1e-6)
    // the gradient reaches each shard: d/dW of sum(lookup) counts each id's uses
    const grads = tf.grads((...s: tf.Tensor[]) => tf.sum(embeddingLookupRows({ ...w, shards: s as tf.Tensor2D[] }, ids)))([...w.shards])
    const counts = (await Promise.all(grads.map((g) => g.data()))).flatMap((g) => [...g].filter((_, i) => i % cols === 0))
    expect(counts).toEqual([1, 0, 1, 2, 0, 0, 0, 0, 1, 1])
    tf.dispose([a, b, x, la, lb, ...grads])
    expect(tf.memory().numTensors).toBe(before)
    expect(() => embeddingLookupRows(w, [10])).toThrow(/token id 10 is outside the vocabulary \[0, 10\)/)
    expect(() => rowShards(data, [rows, cols + 1])).toThrow(/60 values for shape \[10, 7\]/)
    w.dispose()
    whole.dispose()
  })
})

const unavailable = await webGpuUnavailable()

describe.skipIf(unavailable !== undefined)(`row shards on webgpu${unavailable !== undefined ? ` (skipped: ${unavailable})` : ""}`, () => {
  it("a matrix above the binding limit: unsharded it fails loudly, sharded the gather and the LM head are right", async () => {
    await useBackend("webgpu")
    const limit = maxBindingBytes()
    const cols = 4096
    // just above the limit (9,000 rows on lavapipe); skip adapters whose limit would need > 1 GiB here
    const rows = Math.floor(limit / (cols * 4)) + 808
    expect(rows * cols * 4).toBeGreaterThan(limit)
    expect(rows * cols * 4).toBeLessThan(2 ** 30 + 2 ** 28)
    const data = filled(rows * cols, 3)
    const whole = tf.tensor2d(data, [rows, cols])
    expect(() => tf.gather(whole, [1])).toThrow(GpuError)
    whole.dispose()

    const w = rowShards(data, [rows, cols])
    expect(w.shards.length).toBe(2)
    expect(w.shards.every((s) => s.size * 4 <= limit)).toBe(true)
    const before = tf.memory().numTensors
    const ids = [rows - 1, 0, w.rowsPerShard, w.rowsPerShard - 1, 5, rows - 1]
    const e = embeddingLookupRows(w, ids)
    const got = await e.data()
    ids.forEach((id, i) => expect(got.subarray(i * cols, (i + 1) * cols)).toEqual(data.subarray(id * cols, (id + 1) * cols)))
    const n = 3
    const xh = filled(n * cols, 4)
    const x = tf.tensor2d(xh, [n, cols])
    const logits = linearRows(x, w, { weightGrad: false })
    expect(logits.shape).toEqual([n, rows])
    expect(worstRel(await logits.data(), hostLinear(xh, n, data, rows, cols))).toBeLessThan(1e-5)
    tf.dispose([e, x, logits])
    expect(tf.memory().numTensors).toBe(before)
    w.dispose()
  })
})
