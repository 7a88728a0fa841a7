/**
 * The forward is differentiable on WASM with respect to the prefix (P-Tuning v2) and to any subset
 * of weights (freeze tuning), including the embedding: loss, gradient norms and the full prefix
 * gradient against the golden training fixtures, and no leaked tensors across steps.
 */
import * as tf from "@tensorflow/tfjs"
import { join } from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { ensureBackend, readSafetensors, tensorCountsOver } from "@zaoji/tensor"
import { expectAllClose, expectClose, hasShared, sharedSuiteTitle } from "@zaoji/testing"
import { forward } from "../src/model/forward.js"
import { prefixEncoder } from "../src/model/prefix.js"
import type { GlmConfig, WeightMap } from "../src/model/types.js"
import { disposeWeights } from "../src/weights/tensors.js"
import { caseDir, lmLoss, loadConfig, loadWeights, readCases, type Arch } from "./modelFixtures.js"

const norm = (t: tf.Tensor): number => Math.sqrt(tf.tidy(() => tf.sum(tf.square(t))).dataSync()[0])

describe.skipIf(!hasShared)(sharedSuiteTitle("gradients through the GLM forward (golden training fixtures)"), () => {
  beforeAll(async () => {
    await ensureBackend()
  })

  for (const arch of ["glm1", "glm2"] as Arch[]) {
    it(`${arch}: d loss / d prefix embedding matches the full reference gradient`, async () => {
      const cases = readCases(arch, "base")
      const tr = cases.train
      const p = cases.prefix.find((x: any) => x.name === "prefix_noproj")
      const cfg: GlmConfig = loadConfig(arch, "base", p.config)
      const base = loadWeights(arch, "base")
      const pw = loadWeights(arch, "base", p.prefix_weights)
      const emb = pw["transformer.prefix_encoder.embedding.weight"]
      const step = () => {
        const { value, grads } = tf.valueAndGrads((e: tf.Tensor) =>
          tf.tidy(() => {
            const kv = prefixEncoder(cfg, { "transformer.prefix_encoder.embedding.weight": e })
            const logits = forward(cfg, base, { inputIds: tr.input_ids, prefixKv: kv }, { trainable: new Set() }).logits!
            return lmLoss(logits, tr.labels)
          })
        )([emb])
        return { loss: value, grad: grads[0] }
      }
      const { loss, grad } = step()
      expectClose(loss.dataSync()[0], tr.prefix_noproj.loss, { rtol: 1e-5 }, "loss")
      const ref = readSafetensors(join(caseDir(arch, "base"), tr.prefix_noproj.grads)).values().next().value!
      const scale = ref.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0)
      expectAllClose(grad.dataSync(), ref.data, { atol: 1e-4 * scale }, { what: "prefix gradient", shape: { actual: grad.shape, expected: ref.shape } })
      tf.dispose([loss, grad])
      // repeated steps leave the live tensor count unchanged
      const counts = await tensorCountsOver(3, () => {
        const r = step()
        tf.dispose([r.loss, r.grad])
      })
      expect(new Set(counts).size).toBe(1)
      disposeWeights(base)
      disposeWeights(pw)
    })

    it(`${arch}: freeze_last2 loss and per-tensor gradient norms (trainable subset)`, async () => {
      const cases = readCases(arch, "base")
      const tr = cases.train
      const fz = tr.freeze_last2
      const cfg = loadConfig(arch, "base")
      const w = loadWeights(arch, "base")
      const names: string[] = fz.trainable
      const vars = names.map((n) => w[n])
      const { value, grads } = tf.valueAndGrads((...xs: tf.Tensor[]) => {
        const wm: Record<string, tf.Tensor> = { ...w }
        names.forEach((n, i) => (wm[n] = xs[i]))
        return tf.tidy(() => lmLoss(forward(cfg, wm as WeightMap, { inputIds: tr.input_ids }, { trainable: new Set(names) }).logits!, tr.labels))
      })(vars)
      expectClose(value.dataSync()[0], fz.loss, { rtol: 1e-5 }, "loss")
      expect([...names].sort()).toEqual(Object.keys(fz.grad_norms).sort())
      names.forEach((n, i) => expectClose(norm(grads[i]), fz.grad_norms[n], { rtol: 1e-4 }, `grad norm of ${n}`))
      tf.dispose([value, ...grads])
      disposeWeights(w)
    })
  }

  it("the embedding table has a gradient on this backend (no UnsortedSegmentSum needed)", async () => {
    const cfg = loadConfig("glm2", "base")
    const w = loadWeights("glm2", "base")
    const name = "transformer.embedding.word_embeddings.weight"
    const ids = [[501, 503, 64, 65, 64, 66]]
    const g = tf.grad((e: tf.Tensor) => tf.tidy(() => tf.sum(forward(cfg, { ...w, [name]: e }, { inputIds: ids }).logits!)))(w[name])
    // rows of tokens not in the batch get exactly zero; the repeated token's row is non-zero
    const data = g.dataSync()
    const H = g.shape[1]!
    const rowNorm = (r: number) => Math.hypot(...Array.from(data.slice(r * H, (r + 1) * H)))
    expect(rowNorm(64)).toBeGreaterThan(0)
    expect(rowNorm(100)).toBe(0)
    // finite-difference check on one element of a used row
    const eps = 1e-2
    const f = (delta: number) =>
      tf.tidy(() => {
        const e2 = tf.add(w[name], tf.scatterND(tf.tensor2d([[64, 3]], [1, 2], "int32"), tf.tensor1d([delta]), w[name].shape))
        return tf.sum(forward(cfg, { ...w, [name]: e2 }, { inputIds: ids }).logits!).dataSync()[0]
      })
    const fd = (f(eps) - f(-eps)) / (2 * eps)
    expect(Math.abs(fd - data[64 * H + 3])).toBeLessThan(2e-2 * Math.max(1, Math.abs(fd)))
    g.dispose()
    disposeWeights(w)
  })
})
