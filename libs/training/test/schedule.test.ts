import { describe, expect, it } from "vitest"
import * as tf from "@tensorflow/tfjs"
import { resolveWorkers, clipGlobalNorm, epochOrder, globalNorm, lrAt, padBatch, Rng, shardExamples, shiftedTargets, stepsFor, trainingDefaults } from "../src/index.js"

describe("learning-rate schedules", () => {
  const base = { lr: 1, warmupSteps: 10, totalSteps: 110 }
  it("warms up linearly from 0", () => {
    expect(lrAt({ ...base, kind: "constant" }, 0)).toBe(0)
    expect(lrAt({ ...base, kind: "cosine" }, 5)).toBeCloseTo(0.5)
    expect(lrAt({ ...base, kind: "linear" }, 10)).toBeCloseTo(1)
  })
  it("constant stays, linear and cosine decay to 0 over the remaining steps", () => {
    expect(lrAt({ ...base, kind: "constant" }, 100)).toBe(1)
    expect(lrAt({ ...base, kind: "linear" }, 60)).toBeCloseTo(0.5)
    expect(lrAt({ ...base, kind: "linear" }, 110)).toBeCloseTo(0)
    expect(lrAt({ ...base, kind: "cosine" }, 60)).toBeCloseTo(0.5)
    expect(lrAt({ ...base, kind: "cosine" }, 35)).toBeCloseTo(0.5 * (1 + Math.cos(Math.PI * 0.25)))
    expect(lrAt({ ...base, kind: "cosine" }, 110)).toBeCloseTo(0)
  })
})

describe("seeded data order", () => {
  it("is a permutation, reproducible from the seed, different per seed and per epoch", () => {
    const a = epochOrder(50, 7, 0)
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i))
    expect(epochOrder(50, 7, 0)).toEqual(a)
    expect(epochOrder(50, 8, 0)).not.toEqual(a)
    expect(epochOrder(50, 7, 1)).not.toEqual(a)
  })
  it("an Rng restored from its state continues the same sequence", () => {
    const r = new Rng(123)
    r.next()
    r.next()
    const copy = Rng.fromState(r.getState())
    expect([r.next(), r.next(), r.int(1000)]).toEqual([copy.next(), copy.next(), copy.int(1000)])
  })
})

describe("batching", () => {
  it("pads each batch on the right to its own longest row with pad ids and -100 labels", () => {
    const b = padBatch(
      [
        { inputIds: [5, 6, 7], labels: [-100, 6, 7] },
        { inputIds: [8], labels: [-100] }
      ],
      3
    )
    expect(b.inputIds).toEqual([
      [5, 6, 7],
      [8, 3, 3]
    ])
    expect(b.labels).toEqual([
      [-100, 6, 7],
      [-100, -100, -100]
    ])
  })
  it("shifts targets by one: logits at t predict labels[t+1]", () => {
    const { targets, weights, count } = shiftedTargets([[-100, -100, 9, 10]])
    expect(count).toBe(2)
    expect([...weights]).toEqual([0, 1, 1, 0])
    expect([...targets]).toEqual([0, 9, 10, 0])
  })
  it("shards rows contiguously and as evenly as possible", () => {
    expect(shardExamples([1, 2, 3, 4, 5], 2)).toEqual([[1, 2, 3], [4, 5]])
    expect(shardExamples([1], 3)).toEqual([[1]])
  })
})

describe("clipping and step counts", () => {
  it("clips the global norm like torch's clip_grad_norm_", () => {
    const g = { a: Float32Array.from([3, 0]), b: Float32Array.from([4]) }
    expect(globalNorm(g)).toBeCloseTo(5)
    const before = clipGlobalNorm(g, 1)
    expect(before).toBeCloseTo(5)
    expect(globalNorm(g)).toBeCloseTo(1, 5)
    const small = { a: Float32Array.from([0.1]) }
    clipGlobalNorm(small, 1)
    expect(small.a[0]).toBeCloseTo(0.1)
  })
  it("derives the number of steps from epochs, batch size and accumulation", () => {
    const cfg = { ...trainingDefaults({ learningRate: 1e-3 }), batchSize: 4, gradientAccumulation: 2, epochs: 3 }
    expect(stepsFor(cfg, 17)).toBe(9)
    expect(stepsFor({ ...cfg, steps: 5 }, 17)).toBe(5)
  })
})

describe("loss helpers on the WASM backend", () => {
  it("one-hot rows are ones at the ids (guards the float32 OneHot kernel bug)", async () => {
    const { useBackend } = await import("@zaoji/tensor")
    const { oneHotF32 } = await import("../src/index.js")
    await useBackend("wasm")
    const ids = tf.tensor1d([1, 2], "int32")
    const oh = oneHotF32(ids, 4)
    expect(Array.from(oh.dataSync())).toEqual([0, 1, 0, 0, 0, 0, 1, 0])
    tf.dispose([ids, oh])
  })
  it("the custom-gradient cross-entropy equals autodiff of log-softmax (value and gradient)", async () => {
    const { weightedCrossEntropySum, oneHotF32 } = await import("../src/index.js")
    const x = tf.tensor2d([0.3, -1.2, 2.0, 0.1, 1.5, 0.2, -0.7, 0.9, 0.0, 0.4, 0.4, -2.0], [3, 4])
    const targets = Int32Array.from([2, 0, 3])
    const weights = Float32Array.from([1, 0, 1])
    const ours = tf.valueAndGrad((l: tf.Tensor) => weightedCrossEntropySum(l as tf.Tensor2D, targets, weights))(x)
    const ids = tf.tensor1d(targets, "int32")
    const oh = oneHotF32(ids, 4)
    const w = tf.tensor2d(weights, [3, 1])
    const ref = tf.valueAndGrad((l: tf.Tensor) => tf.neg(tf.sum(tf.mul(tf.mul(tf.logSoftmax(l), oh), w))))(x)
    expect(ours.value.dataSync()[0]).toBeCloseTo(ref.value.dataSync()[0]!, 5)
    const a = ours.grad.dataSync()
    const b = ref.grad.dataSync()
    for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 6)
    tf.dispose([x, ids, oh, w, ours.value, ours.grad, ref.value, ref.grad])
  })
})

describe("worker count", () => {
  it("honours an explicit count and chooses threads for \"auto\" only for long, heavy runs on ≥ 2 cores", () => {
    expect(resolveWorkers(2, 0, 1, 1, 2)).toBe(2)
    expect(resolveWorkers("auto", 40, 8, 1000, 1)).toBe(1)
    expect(resolveWorkers("auto", 40, 8, 1000, 2)).toBe(2)
    expect(resolveWorkers("auto", 40, 8, 1000, 8)).toBe(4)
    expect(resolveWorkers("auto", 40, 2, 1000, 8)).toBe(2)
    expect(resolveWorkers("auto", 1, 8, 1000, 8)).toBe(1)
    expect(resolveWorkers("auto", 40, 8, 10, 8)).toBe(1)
  })
})
