/**
 * Row-sharded weights (matrices above the backend's binding limit, the 6B embedding and LM head on a
 * GPU): with an artificially small limit, so that the embedding, the head and most layer matrices
 * split into several shards, the forward, cached greedy decoding, freeze and P-Tuning v2 gradients
 * equal the unsharded model's, tensor counts stay flat across steps, and a multi-file safetensors
 * folder streams to the backend tensor by tensor and shard by shard: no host read is larger than
 * one shard. model.shards.webgpu.test.ts re-runs this on WebGPU.
 */
import * as tf from "@tensorflow/tfjs"
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { rowShardBase, rowShardKey, suiteTitle, tensorCountsOver, useSuiteBackend, writeShardedSafetensors } from "@zaoji/tensor"
import { expectAllClose } from "@zaoji/testing"
import { greedyWithLogits } from "../src/generate/generate.js"
import { loadModelFolder, saveModelFolder } from "../src/load/folder.js"
import { forward } from "../src/model/forward.js"
import { createModel } from "../src/model/model.js"
import { glm1Names, glm2Names, prefixNames } from "../src/model/names.js"
import { prefixEncoder } from "../src/model/prefix.js"
import { presetConfig } from "../src/model/presets.js"
import { syntheticRows, syntheticShapes, syntheticWeights } from "../src/model/synthetic.js"
import type { GlmConfig, GlmModel, WeightMap } from "../src/model/types.js"

/** 40 KiB per shard: tiny's 512 × 64 embedding (128 KiB) makes 4 shards, its MLP matrices 2 */
const LIMIT = 40 * 1024
const SEED = 7
/** the same sums in the same order per output element: only the backends' blocking may differ */
const TOL = 1e-5

const read = async (t: tf.Tensor): Promise<Float32Array> => (await t.data()) as Float32Array
const maxAbs = (a: ArrayLike<number>): number => {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!))
  return m
}
const close = (got: Float32Array, want: Float32Array, what: string) =>
  expectAllClose(got, want, { atol: TOL * Math.max(1, maxAbs(want)) }, { what })

/** mean next-token cross-entropy over every position (a training loss for the gradient checks) */
const nextTokenLoss = (logits: tf.Tensor3D, ids: number[][]): tf.Scalar => {
  const [b, s, V] = logits.shape
  const oh = new Float32Array(b * (s - 1) * V)
  ids.forEach((row, r) => row.slice(1).forEach((y, t) => (oh[(r * (s - 1) + t) * V + y] = 1)))
  return tf.div(tf.neg(tf.sum(tf.mul(tf.logSoftmax(tf.slice(logits, [0, 0, 0], [b, s - 1, V])), tf.tensor3d(oh, [b, s - 1, V])))), b * (s - 1)) as tf.Scalar
}

for (const arch of ["glm1", "glm2"] as const) {
  const cfg: GlmConfig = presetConfig("tiny", { arch })
  const names = arch === "glm1" ? glm1Names : glm2Names
  const prompt = arch === "glm1" ? [20, 31, 42, 53, cfg.zaoji_arch === "glm1" ? cfg.gmask_token_id : 0, cfg.zaoji_arch === "glm1" ? cfg.bos_token_id : 0] : [64, 65, 20, 31, 42, 53]
  const batch = arch === "glm1" ? [prompt, [11, 12, 13, 14, prompt[4]!, prompt[5]!]] : [prompt, [11, 12, 13, 14, 15, 16]]
  const last = names.layer(cfg.num_layers - 1)

  describe(suiteTitle(`row-sharded ${arch} weights equal whole ones`), () => {
    let whole: GlmModel
    let sharded: GlmModel

    beforeAll(async () => {
      await useSuiteBackend("wasm")
      whole = createModel(cfg, syntheticWeights(cfg, { seed: SEED, maxBindingBytes: Number.POSITIVE_INFINITY }))
      sharded = createModel(cfg, syntheticWeights(cfg, { seed: SEED, maxBindingBytes: LIMIT }))
    })
    afterAll(() => {
      whole?.dispose()
      sharded?.dispose()
    })

    it("the embedding, the head and the large layer matrices are held as shards", () => {
      const keys = Object.keys(sharded.weights)
      expect(keys).toContain(rowShardKey(names.embedding, 3))
      expect(keys).not.toContain(names.embedding)
      expect(keys).toContain(rowShardKey(names.head, 1))
      expect(keys).toContain(rowShardKey(`${last}mlp.dense_h_to_4h.weight`, 1))
      for (const k of keys) expect(sharded.weights[k]!.size * 4, k).toBeLessThanOrEqual(LIMIT)
      // prepared (transposed) frozen linears are per shard too
      for (const [k, t] of sharded.prepared) expect(t.size * 4, k).toBeLessThanOrEqual(LIMIT)
    })

    it("forward logits, with and without the prepared transposes", async () => {
      for (const prepared of [true, false]) {
        const a = forward(cfg, whole.weights, { inputIds: batch }, prepared ? { prepared: whole.prepared, trainable: new Set() } : {})
        const b = forward(cfg, sharded.weights, { inputIds: batch }, prepared ? { prepared: sharded.prepared, trainable: new Set() } : {})
        close(await read(b.logits!), await read(a.logits!), `logits (prepared ${prepared})`)
        tf.dispose([a.logits!, b.logits!])
      }
    })

    it("cached greedy decoding", async () => {
      const a = await greedyWithLogits(whole, prompt, 6)
      const b = await greedyWithLogits(sharded, prompt, 6)
      expect(b.tokens).toEqual(a.tokens)
      b.stepLogits.forEach((row, i) => close(row, a.stepLogits[i]!, `step ${i} logits`))
    })

    it("freeze gradients of the last layer (sharded matrices give one gradient per shard)", async () => {
      const grads = async (model: GlmModel) => {
        const keys = Object.keys(model.weights).filter((k) => k.startsWith(last))
        const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => {
          const wm: Record<string, tf.Tensor> = { ...model.weights }
          keys.forEach((k, i) => (wm[k] = xs[i]!))
          return tf.tidy(() => nextTokenLoss(forward(cfg, wm as WeightMap, { inputIds: batch }, { trainable: new Set(keys), prepared: model.prepared }).logits!, batch))
        })(keys.map((k) => model.weights[k]!))
        // shards joined back in row order, by official name
        const out = new Map<string, Float32Array[]>()
        for (let i = 0; i < keys.length; i++) {
          const name = rowShardBase(keys[i]!) ?? keys[i]!
          out.set(name, [...(out.get(name) ?? []), await read(grads[i]!)])
        }
        const loss = (await read(value))[0]!
        tf.dispose([value, ...grads])
        return { loss, grads: new Map([...out].map(([n, parts]) => [n, Float32Array.from(parts.flatMap((p) => [...p]))])) }
      }
      const a = await grads(whole)
      const b = await grads(sharded)
      expect(b.loss).toBeCloseTo(a.loss, 5)
      expect([...b.grads.keys()].sort()).toEqual([...a.grads.keys()].sort())
      for (const [n, g] of a.grads) close(b.grads.get(n)!, g, `gradient of ${n}`)
      // repeated steps leave the live tensor count unchanged
      const counts = await tensorCountsOver(3, () => grads(sharded))
      expect(new Set(counts).size).toBe(1)
    })

    it("P-Tuning v2 prefix gradient through the sharded embedding and head", async () => {
      const pcfg: GlmConfig = { ...cfg, pre_seq_len: 3 }
      const shape = syntheticShapes(pcfg, { prefix: true })[prefixNames.embedding]!
      const emb = tf.tensor(syntheticRows(prefixNames.embedding, shape, SEED), [...shape])
      const step = async (model: GlmModel) => {
        const { value, grads } = tf.valueAndGrads((e: tf.Tensor) =>
          tf.tidy(() => nextTokenLoss(forward(pcfg, model.weights, { inputIds: batch, prefixKv: prefixEncoder(pcfg, { [prefixNames.embedding]: e }) }, { trainable: new Set(), prepared: model.prepared }).logits!, batch))
        )([emb])
        const g = await read(grads[0]!)
        tf.dispose([value, ...grads])
        return g
      }
      close(await step(sharded), await step(whole), "prefix gradient")
      const counts = await tensorCountsOver(3, () => step(sharded))
      expect(new Set(counts).size).toBe(1)
      emb.dispose()
    })

    it("a multi-file safetensors folder streams to the backend shard by shard", async () => {
      const dir = mkdtempSync(join(tmpdir(), "zaoji-shards-"))
      try {
        // files of at most 100 KiB, as a large checkpoint comes in several (written from host
        // arrays: WebGPU in Node cannot read tensors back synchronously, as saving does)
        const host = new Map(Object.entries(syntheticShapes(cfg)).map(([n, shape]) => [n, { shape, data: syntheticRows(n, shape, SEED) }] as const))
        writeShardedSafetensors(dir, host, { maxShardBytes: 100 * 1024 })
        writeFileSync(join(dir, "config.json"), JSON.stringify(cfg))
        expect(readdirSync(dir).filter((f) => f.endsWith(".safetensors")).length).toBeGreaterThan(1)
        const reads: number[] = []
        const before = process.memoryUsage()
        const loaded = loadModelFolder(dir, { maxBindingBytes: LIMIT, onHostRead: (_, bytes) => reads.push(bytes) })
        const after = process.memoryUsage()
        // the structural property: the largest host read is one shard (or a tensor below the limit)
        expect(Math.max(...reads)).toBeLessThanOrEqual(LIMIT)
        const total = reads.reduce((a, b) => a + b, 0)
        console.log(`[shards] ${arch}: ${reads.length} host reads, largest ${Math.max(...reads)} B of ${total} B in all; heap ${((after.heapUsed - before.heapUsed) / 1024).toFixed(0)} KiB, rss ${((after.rss - before.rss) / 1024).toFixed(0)} KiB more after loading`)
        expect(Object.keys(loaded.model.weights)).toContain(rowShardKey(names.embedding, 0))
        const a = forward(cfg, whole.weights, { inputIds: batch })
        const b = forward(cfg, loaded.model.weights, { inputIds: batch })
        close(await read(b.logits!), await read(a.logits!), "logits of the streamed folder")
        tf.dispose([a.logits!, b.logits!])
        if (tf.getBackend() !== "webgpu") {
          // saving a sharded model writes whole checkpoint tensors again
          const again = join(dir, "again")
          saveModelFolder(again, cfg, loaded.model.weights)
          const reloaded = loadModelFolder(again, { maxBindingBytes: Number.POSITIVE_INFINITY })
          expect(Object.keys(reloaded.model.weights)).toContain(names.embedding)
          const c = forward(cfg, reloaded.model.weights, { inputIds: batch })
          const d = forward(cfg, loaded.model.weights, { inputIds: batch })
          close(await read(c.logits!), await read(d.logits!), "logits after saving the sharded model whole")
          tf.dispose([c.logits!, d.logits!])
          reloaded.model.dispose()
        }
        loaded.model.dispose()
      } finally {
        rmSync(dir, { recursive: true, force: true })
      }
    })
  })
}
