/** The WASM-speed helpers (head-wise batched matmul, row ops, in-place Slice) equal tfjs's own ops. */
import * as tf from "@tensorflow/tfjs"
import { afterAll, describe, expect, it } from "vitest"
import { addRow, batchMatMul, expectNoLeak, mulRow, useBackend } from "../src/index.js"

const maxAbs = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]!)

describe.each(["wasm", "cpu"] as const)("wasm-speed helpers on %s", (backend) => {
  afterAll(async () => {
    await useBackend("wasm")
  })

  it("batchMatMul equals tf.matMul, with equal gradients, in the loop and the small-slice path", async () => {
    await useBackend(backend)
    for (const [n, m, k, p] of [[6, 40, 16, 48], [3, 1, 4, 5]] as const) {
      await expectNoLeak(() => {
        tf.tidy(() => {
          const a = tf.randomNormal([n, m, k], 0, 1, "float32", 1) as tf.Tensor3D
          const b = tf.randomNormal([n, k, p], 0, 1, "float32", 2) as tf.Tensor3D
          expect(maxAbs(batchMatMul(a, b), tf.matMul(a, b))).toBeLessThan(1e-4)
          const ours = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.sin(batchMatMul(x as tf.Tensor3D, y as tf.Tensor3D))))([a, b])
          const ref = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.sin(tf.matMul(x, y))))([a, b])
          expect(maxAbs(ours[0]!, ref[0]!)).toBeLessThan(1e-4)
          expect(maxAbs(ours[1]!, ref[1]!)).toBeLessThan(1e-4)
        })
      })
    }
    expect(() => batchMatMul(tf.zeros([2, 3, 4]) as tf.Tensor3D, tf.zeros([2, 5, 4]) as tf.Tensor3D)).toThrow(/do not chain/)
  })

  it("addRow and mulRow broadcast a vector over rows with the reference gradients", async () => {
    await useBackend(backend)
    tf.tidy(() => {
      const x = tf.randomNormal([7, 5], 0, 1, "float32", 3) as tf.Tensor2D
      const v = tf.randomNormal([5], 0, 1, "float32", 4)
      const f = (op: (x: tf.Tensor2D, v: tf.Tensor) => tf.Tensor) => (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.sin(op(a as tf.Tensor2D, b)))
      for (const [ours, ref] of [[addRow, tf.add], [mulRow, tf.mul]] as const) {
        expect(maxAbs(ours(x, v), ref(x, v))).toBeLessThan(1e-6)
        const g1 = tf.grads(f(ours))([x, v])
        const g2 = tf.grads(f(ref))([x, v])
        expect(maxAbs(g1[0]!, g2[0]!)).toBeLessThan(1e-5)
        expect(maxAbs(g1[1]!, g2[1]!)).toBeLessThan(1e-5)
      }
      expect(() => addRow(x, tf.zeros([4]))).toThrow(/expected x \[rows, n\]/)
    })
  })

  it("slices (contiguous, strided, empty, int32) return the same values as a host-side copy", async () => {
    await useBackend(backend)
    tf.tidy(() => {
      const data = Float32Array.from({ length: 2 * 3 * 4 * 5 }, (_, i) => i)
      const x = tf.tensor4d(data, [2, 3, 4, 5])
      const ref = (b: number[], s: number[]) => {
        const out: number[] = []
        for (let i = b[0]!; i < b[0]! + s[0]!; i++)
          for (let j = b[1]!; j < b[1]! + s[1]!; j++)
            for (let k = b[2]!; k < b[2]! + s[2]!; k++) for (let l = b[3]!; l < b[3]! + s[3]!; l++) out.push(data[((i * 3 + j) * 4 + k) * 5 + l]!)
        return out
      }
      for (const [b, s] of [[[1, 0, 0, 0], [1, 3, 4, 5]], [[0, 1, 2, 1], [2, 2, 2, 3]], [[0, 0, 3, 0], [2, 3, 1, 5]], [[1, 2, 0, 0], [1, 1, 0, 5]]]) {
        const y = tf.slice(x, b, s)
        expect(y.shape).toEqual(s)
        expect(Array.from(y.dataSync())).toEqual(ref(b!, s!))
      }
      expect(Array.from(tf.slice(tf.tensor1d([4, 5, 6, 7], "int32"), [1], [2]).dataSync())).toEqual([5, 6])
    })
  })
})
