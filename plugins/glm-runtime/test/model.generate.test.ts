/**
 * Generation and scoring on randomly initialised models of both architectures (no fixtures needed):
 * batched left-padded decoding equals one-by-one decoding, the KV cache equals recomputation,
 * sampling is seeded and respects its knobs, stop ids end rows, streaming yields the same tokens,
 * scoring equals log-softmax of the forward, and nothing leaks.
 */
import * as tf from "@tensorflow/tfjs"
import { beforeAll, describe, expect, it } from "vitest"
import { ensureBackend, expectNoLeak } from "@zaoji/tensor"
import { forward } from "../src/model/forward.js"
import { initWeights } from "../src/model/init.js"
import { createModel } from "../src/model/model.js"
import { presetConfig } from "../src/model/presets.js"
import type { GlmConfig, GlmModel } from "../src/model/types.js"
import { generate, greedyWithLogits, streamTokens } from "../src/generate/generate.js"
import { makeRng } from "../src/generate/rng.js"
import { applyRepetitionPenalty, chooseToken } from "../src/generate/sampling.js"
import { scoreContinuations } from "../src/score/score.js"

const prompts = (cfg: GlmConfig): number[][] =>
  cfg.zaoji_arch === "glm1"
    ? [
        [17, 250, 33, 401, 92, cfg.gmask_token_id, cfg.bos_token_id],
        [40, 41, cfg.gmask_token_id, cfg.bos_token_id],
        [11, 22, cfg.mask_token_id, 33, 44, 45, 46, 47, cfg.bos_token_id]
      ]
    : [
        [cfg.gmask_token_id!, cfg.sop_token_id!, 64, 65, 66, 67],
        [cfg.gmask_token_id!, cfg.sop_token_id!, 70],
        [cfg.gmask_token_id!, cfg.sop_token_id!, 80, 81, 82, 83, 84, 85, 86]
      ]

/** greedy without any cache: recompute the whole sequence each step */
const greedyNoCache = (m: GlmModel, prompt: number[], steps: number): number[] => {
  const seq = [...prompt]
  const out: number[] = []
  for (let i = 0; i < steps; i++) {
    const logits = forward(m.config, m.weights, { inputIds: [seq], padLeft: [0], prefixKv: m.prefixKv }, { logits: "last" }).logits!
    const row = logits.dataSync()
    logits.dispose()
    let best = 0
    for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j
    out.push(best)
    seq.push(best)
  }
  return out
}

describe.each(["glm1", "glm2"] as const)("%s generation and scoring", (arch) => {
  let model: GlmModel
  let prefixed: GlmModel
  beforeAll(async () => {
    await ensureBackend()
    const cfg = presetConfig("tiny", { arch })
    model = createModel(cfg, initWeights(cfg, { seed: 7, std: 0.2 }))
    const pcfg = presetConfig("tiny", { arch, pre_seq_len: 3, prefix_projection: true })
    prefixed = createModel(pcfg, initWeights(pcfg, { seed: 8, std: 0.2, prefix: true }))
  })

  it("KV-cache greedy equals recomputation without cache (with and without a prefix)", async () => {
    for (const m of [model, prefixed]) {
      for (const p of prompts(m.config)) {
        const cached = await expectNoLeak(async () => (await greedyWithLogits(m, p, 6)).tokens)
        expect(cached).toEqual(greedyNoCache(m, p, 6))
      }
    }
  })

  it("a left-padded batch decodes exactly like each prompt alone", async () => {
    for (const m of [model, prefixed]) {
      const ps = prompts(m.config)
      const batched = await expectNoLeak(() => generate(m, ps, { maxNewTokens: 6, stopIds: [] }))
      for (let i = 0; i < ps.length; i++) {
        const single = await generate(m, [ps[i]], { maxNewTokens: 6, stopIds: [] })
        expect(batched.tokens[i]).toEqual(single.tokens[0])
      }
      expect(batched.finishReason).toEqual(["length", "length", "length"])
    }
  })

  it("stop ids end a row (stop token included) while the others continue", async () => {
    const ps = prompts(model.config)
    const free = await generate(model, ps, { maxNewTokens: 5, stopIds: [] })
    const stopAt = free.tokens[0][1]
    const r = await generate(model, ps, { maxNewTokens: 5, stopIds: [stopAt] })
    expect(r.tokens[0]).toEqual(free.tokens[0].slice(0, free.tokens[0].indexOf(stopAt) + 1))
    expect(r.finishReason[0]).toBe("stop")
    for (let i = 1; i < ps.length; i++) {
      const cut = free.tokens[i].indexOf(stopAt)
      expect(r.tokens[i]).toEqual(cut >= 0 ? free.tokens[i].slice(0, cut + 1) : free.tokens[i])
    }
  })

  it("sampling is deterministic per seed; top-k 1 and tiny top-p reduce to greedy", async () => {
    const ps = prompts(model.config)
    const greedy = await generate(model, ps, { maxNewTokens: 6, stopIds: [] })
    const a = await generate(model, ps, { maxNewTokens: 6, temperature: 1.5, seed: 42, stopIds: [] })
    const b = await generate(model, ps, { maxNewTokens: 6, temperature: 1.5, seed: 42, stopIds: [] })
    const c = await generate(model, ps, { maxNewTokens: 6, temperature: 1.5, seed: 43, stopIds: [] })
    expect(a.tokens).toEqual(b.tokens)
    expect(a.tokens).not.toEqual(c.tokens)
    expect(a.tokens).not.toEqual(greedy.tokens)
    expect((await generate(model, ps, { maxNewTokens: 6, temperature: 1.5, topK: 1, seed: 5, stopIds: [] })).tokens).toEqual(greedy.tokens)
    expect((await generate(model, ps, { maxNewTokens: 6, temperature: 1.5, topP: 1e-6, seed: 5, stopIds: [] })).tokens).toEqual(greedy.tokens)
    expect((await generate(model, ps, { maxNewTokens: 6, temperature: 0, seed: 5, stopIds: [] })).tokens).toEqual(greedy.tokens)
  })

  it("streams the same tokens, step by step, and reports them through onToken", async () => {
    const p = prompts(model.config)[0]
    const events: number[] = []
    const full = await generate(model, [p], { maxNewTokens: 5, stopIds: [], onToken: (e) => events.push(e.token) })
    const streamed: number[] = []
    for await (const t of streamTokens(model, p, { maxNewTokens: 5, stopIds: [] })) streamed.push(t)
    expect(streamed).toEqual(full.tokens[0])
    expect(events).toEqual(full.tokens[0])
  })

  it("scoring: sum of log-softmax of the forward at the continuation tokens; batching changes nothing", async () => {
    const ps = prompts(model.config)
    const items = ps.map((p, i) => ({ context: p, continuation: [100 + i, 200 + i, 300 + i].slice(0, i + 1) }))
    const batched = await expectNoLeak(() => scoreContinuations(model, items, { batchSize: 3 }))
    const single = await scoreContinuations(model, items, { batchSize: 1 })
    items.forEach((it, i) => {
      expect(batched[i].count).toBe(it.continuation.length)
      expect(Math.abs(batched[i].sum - single[i].sum)).toBeLessThan(1e-4)
      // direct computation
      const ids = [...it.context, ...it.continuation]
      const ref = tf.tidy(() => {
        const lp = tf.logSoftmax(forward(model.config, model.weights, { inputIds: [ids], padLeft: [0] }).logits!)
        const data = lp.dataSync()
        const V = lp.shape[2]
        let s = 0
        it.continuation.forEach((t, j) => (s += data[(it.context.length + j - 1) * V + t]))
        return s
      })
      expect(Math.abs(single[i].sum - ref)).toBeLessThan(1e-4)
      expect(single[i].sum).toBeLessThan(0)
    })
    // the model's own greedy continuation is more likely than a fixed arbitrary one
    const g = await generate(model, [ps[0]], { maxNewTokens: 3, stopIds: [] })
    const [own, other] = await scoreContinuations(model, [
      { context: ps[0], continuation: g.tokens[0] },
      { context: ps[0], continuation: [7, 8, 9] }
    ])
    expect(own.sum).toBeGreaterThan(other.sum)
  })
})

describe("sampling primitives", () => {
  it("repetition penalty divides positive and multiplies negative logits of seen tokens", () => {
    const l = Float32Array.from([2, -2, 1, 0.5])
    applyRepetitionPenalty(l, [0, 1, 1], 2)
    expect(Array.from(l)).toEqual([1, -4, 1, 0.5])
    const l2 = Float32Array.from([2, 1.9, 0])
    expect(chooseToken(l2, [0], { doSample: false, temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1.5 }, makeRng(1))).toBe(1)
  })

  it("sampled frequencies follow the softmax (seeded, 4000 draws)", () => {
    const rng = makeRng(123)
    const counts = [0, 0, 0]
    const logits = [Math.log(0.6), Math.log(0.3), Math.log(0.1)]
    for (let i = 0; i < 4000; i++) counts[chooseToken(Float32Array.from(logits), [], { doSample: true, temperature: 1, topK: 0, topP: 1, repetitionPenalty: 1 }, rng)]++
    expect(counts[0] / 4000).toBeCloseTo(0.6, 1)
    expect(counts[2] / 4000).toBeCloseTo(0.1, 1)
    // top-p 0.7 keeps the two most likely tokens only
    const kept = new Set<number>()
    for (let i = 0; i < 500; i++) kept.add(chooseToken(Float32Array.from(logits), [], { doSample: true, temperature: 1, topK: 0, topP: 0.7, repetitionPenalty: 1 }, rng))
    expect([...kept].sort()).toEqual([0, 1])
  })

  it("rejects bad options with the field named", async () => {
    const cfg = presetConfig("micro", { arch: "glm2" })
    const m = createModel(cfg, initWeights(cfg))
    await expect(generate(m, [[1, 2]], { maxNewTokens: 2, topP: 0 })).rejects.toThrow(/topP must be in \(0, 1\]/)
    await expect(generate(m, [[]], { maxNewTokens: 2 })).rejects.toThrow(/prompt is empty/)
    m.dispose()
  })
})

describe("forward inputs", () => {
  it("explicit position ids equal the derived ones; a per-row prefix equals a shared one", async () => {
    await ensureBackend()
    for (const arch of ["glm1", "glm2"] as const) {
      const cfg = presetConfig("micro", { arch, pre_seq_len: 2 })
      const w = initWeights(cfg, { seed: 11, std: 0.3, prefix: true })
      const ids = cfg.zaoji_arch === "glm1" ? [[9, 10, cfg.gmask_token_id, cfg.bos_token_id, 12, 13]] : [[9, 10, 11, 12, 13, 14]]
      // glm1: context = tokens before <bos> (positions 0..2), then the [gMASK] position 2; blocks 1, 2, 3 from <bos>
      const pos = cfg.zaoji_arch === "glm1" ? [[[0, 1, 2, 2, 2, 2], [0, 0, 0, 1, 2, 3]]] : [[0, 1, 2, 3, 4, 5]]
      const kv = tf.tidy(() => tf.mul(w["transformer.prefix_encoder.embedding.weight"], 1))
      const a = forward(cfg, w, { inputIds: ids, prefixKv: kv }).logits!
      const b = forward(cfg, w, { inputIds: ids, prefixKv: kv, positionIds: pos as any }).logits!
      const two = [ids[0], ids[0]]
      const kv3 = tf.stack([kv, kv])
      const c = forward(cfg, w, { inputIds: two, prefixKv: kv3 }).logits!
      const d = forward(cfg, w, { inputIds: two, prefixKv: kv }).logits!
      const diff = (x: tf.Tensor, y: tf.Tensor) => tf.tidy(() => tf.max(tf.abs(tf.sub(x, y))).dataSync()[0])
      expect(diff(a, b)).toBe(0)
      expect(diff(c, d)).toBe(0)
      // a different position layout changes the result (the positions are really used)
      const shifted = cfg.zaoji_arch === "glm1" ? [[[0, 1, 2, 3, 3, 3], [0, 0, 0, 1, 2, 3]]] : [[1, 2, 3, 4, 5, 6]]
      const e = forward(cfg, w, { inputIds: ids, prefixKv: kv, positionIds: shifted as any }).logits!
      expect(diff(a, e)).toBeGreaterThan(1e-4)
      tf.dispose([a, b, c, d, e, kv, kv3])
      for (const t of Object.values(w)) t.dispose()
    }
  })
})
