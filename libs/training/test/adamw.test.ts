import { describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { readSafetensors } from "@zaoji/tensor"
import { expectAllClose, hasShared, sharedPath, sharedSuiteTitle } from "@zaoji/testing"
import { adamwStep, initAdamWState } from "../src/index.js"

describe.skipIf(!hasShared)(sharedSuiteTitle("AdamW against torch.optim.AdamW (golden adamw_unit)"), () => {
  it("matches params after each of 3 steps and the moments after step 3 to 1e-6", () => {
    const file = sharedPath("golden", "adamw", "adamw_unit.safetensors")
    const meta = JSON.parse(readFileSync(sharedPath("golden", "adamw", "adamw_unit.json"), "utf8"))
    const t = readSafetensors(file)
    const get = (n: string) => t.get(n)!.data
    const params = { p: get("p0").slice() }
    const state = initAdamWState(params)
    const cfg = { beta1: meta.betas[0], beta2: meta.betas[1], eps: meta.eps, weightDecay: meta.weight_decay }
    for (const step of [1, 2, 3]) {
      adamwStep(params, { p: get(`g${step}`) }, state, meta.lr, cfg)
      expectAllClose(params.p, get(`p${step}`), { atol: 1e-6 }, { what: `p after step ${step}` })
    }
    expect(state.step).toBe(3)
    expectAllClose(state.m.p!, get("exp_avg3"), { atol: 1e-6 }, { what: "exp_avg after step 3" })
    expectAllClose(state.v.p!, get("exp_avg_sq3"), { atol: 1e-6 }, { what: "exp_avg_sq after step 3" })
    // weight decay must be visible: with a zero gradient the parameter still shrinks
    const g1 = get("g1")
    const zero = [...g1].findIndex((x) => x === 0)
    if (zero >= 0) expect(Math.abs(get("p1")[zero]!)).toBeLessThan(Math.abs(get("p0")[zero]!))
  })
})

describe("AdamW rule", () => {
  it("first step moves each parameter by about lr against the gradient sign (bias correction)", () => {
    const params = { w: Float32Array.from([1, -1, 0.5]) }
    const state = initAdamWState(params)
    adamwStep(params, { w: Float32Array.from([0.3, -2, 1e-3]) }, state, 0.1, { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 })
    expect(params.w[0]).toBeCloseTo(0.9, 5)
    expect(params.w[1]).toBeCloseTo(-0.9, 5)
    expect(params.w[2]).toBeCloseTo(0.4, 4)
  })
  it("skips tensors without a gradient and leaves their moments untouched", () => {
    const params = { a: Float32Array.from([1]), b: Float32Array.from([2]) }
    const state = initAdamWState(params)
    adamwStep(params, { a: Float32Array.from([1]) }, state, 0.01)
    expect(params.b[0]).toBe(2)
    expect(state.m.b![0]).toBe(0)
  })
})
