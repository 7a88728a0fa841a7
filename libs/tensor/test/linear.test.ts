/** The WASM-shaped helpers compute the same values and gradients as tfjs's own ops, with no leaks. */
import * as tf from "@tensorflow/tfjs"
import { beforeAll, describe, expect, it } from "vitest"
import { embeddingLookup, ensureBackend, expectNoLeak, linear, matMul2d, matMulConstB, TensorLeakError, tensorCountsOver, transposeOnce } from "../src/index.js"

const maxAbs = (a: tf.Tensor, b: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0])

describe("linear / matmul helpers", () => {
  beforeAll(async () => {
    await ensureBackend()
  })

  it("linear = x·Wᵀ + b with gradients equal to the reference ops", async () => {
    await expectNoLeak(() => {
      tf.tidy(() => {
        const x = tf.randomNormal([2, 5, 7], 0, 1, "float32", 1)
        const w = tf.randomNormal([3, 7], 0, 1, "float32", 2) as tf.Tensor2D
        const b = tf.randomNormal([3], 0, 1, "float32", 3)
        const ours = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.square(linear(xx, ww as tf.Tensor2D, { bias: bb })))
        const ref = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) =>
          tf.sum(tf.square(tf.add(tf.matMul(tf.reshape(xx, [-1, 7]), ww, false, true), bb)))
        const y1 = linear(x, w, { bias: b })
        expect(y1.shape).toEqual([2, 5, 3])
        expect(maxAbs(y1, tf.reshape(tf.add(tf.matMul(tf.reshape(x, [-1, 7]), w, false, true), b), [2, 5, 3]))).toBeLessThan(1e-5)
        const g1 = tf.grads(ours)([x, w, b])
        const g2 = tf.grads(ref)([x, w, b])
        for (let i = 0; i < 3; i++) expect(maxAbs(g1[i], tf.reshape(g2[i], g1[i].shape))).toBeLessThan(1e-4)
        // frozen weight (pre-transposed): only the input gradient, same value
        const wT = transposeOnce(w)
        const g3 = tf.grad((xx: tf.Tensor) => tf.sum(tf.square(linear(xx, w, { weightT: wT, weightGrad: false, bias: b }))))(x)
        expect(maxAbs(g3, g1[0])).toBeLessThan(1e-4)
        wT.dispose()
      })
    })
  })

  it("matMul2d and matMulConstB gradients match tf.matMul", () => {
    tf.tidy(() => {
      const a = tf.randomNormal([4, 6], 0, 1, "float32", 4) as tf.Tensor2D
      const b = tf.randomNormal([6, 5], 0, 1, "float32", 5) as tf.Tensor2D
      const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.sin(matMul2d(x as tf.Tensor2D, y as tf.Tensor2D))))([a, b])
      const [ra, rb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.sin(tf.matMul(x, y))))([a, b])
      expect(maxAbs(ga, ra)).toBeLessThan(1e-5)
      expect(maxAbs(gb, rb)).toBeLessThan(1e-5)
      const gc = tf.grad((x: tf.Tensor) => tf.sum(tf.sin(matMulConstB(x as tf.Tensor2D, b))))(a)
      expect(maxAbs(gc, ra)).toBeLessThan(1e-5)
    })
  })

  it("embedding lookup gathers rows and its gradient adds up repeated ids (works on WASM)", () => {
    tf.tidy(() => {
      const table = tf.tensor2d([[1, 2], [3, 4], [5, 6], [7, 8]])
      const ids = [2, 0, 2, 3]
      expect(embeddingLookup(table, ids).arraySync()).toEqual([[5, 6], [1, 2], [5, 6], [7, 8]])
      const weights = tf.tensor2d([[1, 1], [2, 2], [3, 3], [4, 4]])
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(embeddingLookup(t as tf.Tensor2D, ids), weights)))(table)
      expect(g.arraySync()).toEqual([[2, 2], [0, 0], [4, 4], [4, 4]])
      expect(() => embeddingLookup(table, [4])).toThrow(/outside the vocabulary \[0, 4\)/)
    })
  })

  it("the leak guard catches a leak and counts stay flat over steps", async () => {
    await expect(expectNoLeak(() => tf.zeros([2]), "deliberate")).rejects.toBeInstanceOf(TensorLeakError)
    tf.disposeVariables()
    const counts = await tensorCountsOver(4, () => tf.tidy(() => tf.add(tf.ones([3]), 1).dataSync()))
    expect(new Set(counts).size).toBe(1)
  })
})
