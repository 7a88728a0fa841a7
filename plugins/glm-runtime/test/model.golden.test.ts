/**
 * The GLM forward, KV-cache decoding and P-Tuning v2 prefix path against the golden fixtures
 * (an independent PyTorch implementation checked against the official modeling code), on the
 * default backend (WASM here), for both architectures and both weight sets.
 */
import * as tf from "@tensorflow/tfjs"
import { beforeAll, describe, expect, it } from "vitest"
import { expectNoLeak, suiteTitle, useSuiteBackend } from "@zaoji/tensor"
import { hasShared, sharedSuiteTitle } from "@zaoji/testing"
import { createModel } from "../src/model/model.js"
import { forward } from "../src/model/forward.js"
import { prefixEncoder } from "../src/model/prefix.js"
import { greedyWithLogits } from "../src/generate/generate.js"
import { disposeWeights } from "../src/weights/tensors.js"
import { compare, loadConfig, loadWeights, logitTol, readBin, readCases, type Arch, type WeightSet } from "./modelFixtures.js"

const combos: Array<[Arch, WeightSet]> = [
  ["glm1", "base"],
  ["glm1", "sharp"],
  ["glm2", "base"],
  ["glm2", "sharp"]
]

describe.skipIf(!hasShared)(sharedSuiteTitle(suiteTitle("golden GLM fixtures")), () => {
  beforeAll(async () => {
    await useSuiteBackend("auto")
  })

  for (const [arch, set] of combos) {
    describe(`${arch} ${set} set`, () => {
      it("forward logits match every case", async () => {
        const cases = readCases(arch, set)
        const cfg = loadConfig(arch, set)
        const w = loadWeights(arch, set)
        for (const c of cases.forward) {
          const got = await expectNoLeak(async () => {
            const out = forward(cfg, w, { inputIds: c.input_ids })
            const full = out.logits!
            const sel = c.logits_positions
              ? tf.tidy(() => full.slice([0, c.logits_positions[0], 0], [1, c.logits_positions.length, -1]))
              : full
            const data = (await sel.data()).slice()
            tf.dispose([full, sel])
            return data
          }, `${arch} ${c.name}`)
          const { diff, scale } = compare(got, readBin(arch, set, c.logits))
          expect(diff, `${arch} ${set} ${c.name}`).toBeLessThanOrEqual(logitTol(scale))
          // the last argmax is what the fixture records
          const V = cfg.zaoji_arch === "glm1" ? cfg.vocab_size : cfg.padded_vocab_size
          const last = got.slice(got.length - V)
          expect(last.indexOf(Math.max(...last))).toBe(c.last_argmax)
        }
        disposeWeights(w)
      })

      it("greedy generation with the KV cache: ids exact, step logits within tolerance, no leak", async () => {
        const cases = readCases(arch, set)
        const cfg = loadConfig(arch, set)
        const model = createModel(cfg, loadWeights(arch, set))
        for (const g of cases.generate) {
          const r = await expectNoLeak(() => greedyWithLogits(model, g.prompt, g.generated.length), `${arch} generate ${g.name}`)
          expect(r.tokens, `${arch} ${set} ${g.name}`).toEqual(g.generated)
          const flat = new Float32Array(r.stepLogits.length * r.stepLogits[0].length)
          r.stepLogits.forEach((row, i) => flat.set(row, i * row.length))
          const { diff, scale } = compare(flat, readBin(arch, set, g.step_logits))
          expect(diff, `${arch} ${set} ${g.name} step logits`).toBeLessThanOrEqual(logitTol(scale))
        }
        model.dispose()
      })

      it("prefix cases: prefix key/values given as an input tensor → logits", async () => {
        const cases = readCases(arch, set)
        const base = loadWeights(arch, set)
        for (const p of cases.prefix) {
          const cfg = loadConfig(arch, set, p.config)
          const pw = loadWeights(arch, set, p.prefix_weights)
          const kv = prefixEncoder(cfg, pw)
          if (set === "base") {
            const { diff, scale } = compare(await kv.data(), readBin(arch, set, p.prefix_kv))
            expect(diff, `${p.name} prefix_kv`).toBeLessThanOrEqual(logitTol(scale))
          }
          for (const c of p.forward) {
            const got = await expectNoLeak(async () => {
              const out = forward(cfg, base, { inputIds: c.input_ids, prefixKv: kv })
              const data = (await out.logits!.data()).slice()
              out.logits!.dispose()
              return data
            })
            const { diff, scale } = compare(got, readBin(arch, set, c.logits))
            expect(diff, `${arch} ${set} ${p.name} ${c.name}`).toBeLessThanOrEqual(logitTol(scale))
          }
          for (const g of p.generate ?? []) {
            const model = createModel(cfg, { ...base, ...pw }, { prepare: false })
            const r = await greedyWithLogits(model, g.prompt, g.generated.length)
            expect(r.tokens, `${p.name} ${g.name}`).toEqual(g.generated)
            const flat = new Float32Array(r.stepLogits.length * r.stepLogits[0].length)
            r.stepLogits.forEach((row, i) => flat.set(row, i * row.length))
            const { diff, scale } = compare(flat, readBin(arch, set, g.step_logits))
            expect(diff).toBeLessThanOrEqual(logitTol(scale))
            model.prefixKv?.dispose() // weights are shared with `base`/`pw`, disposed below
          }
          kv.dispose()
          disposeWeights(pw)
        }
        disposeWeights(base)
      })

      if (set === "base") {
        it("hidden states (embeddings, each layer, final norm) match", async () => {
          const cases = readCases(arch, set)
          const cfg = loadConfig(arch, set)
          const w = loadWeights(arch, set)
          const hs = cases.hidden_states
          const c = cases.forward.find((f: any) => f.name === hs.case)
          const out = forward(cfg, w, { inputIds: c.input_ids }, { hidden: true, logits: "none" })
          const stacked = tf.stack([...out.hidden!])
          const { diff, scale } = compare(await stacked.data(), readBin(arch, set, hs))
          expect(diff).toBeLessThanOrEqual(logitTol(scale))
          tf.dispose([stacked, ...out.hidden!])
          disposeWeights(w)
        })

        it("left-padded batch: valid rows match", async () => {
          const cases = readCases(arch, set)
          const cfg = loadConfig(arch, set)
          const w = loadWeights(arch, set)
          const pb = cases.padded_batch
          const out = forward(cfg, w, { inputIds: pb.input_ids })
          const [b, s, V] = pb.logits.shape
          const { diff, scale } = compare(await out.logits!.data(), readBin(arch, set, pb.logits), (i) => {
            const row = Math.floor(i / (s * V))
            const t = Math.floor(i / V) % s
            return pb.valid[row][t] === 1
          })
          expect(b).toBe(2)
          expect(diff).toBeLessThanOrEqual(logitTol(scale))
          out.logits!.dispose()
          disposeWeights(w)
        })
      }
    })
  }
})
