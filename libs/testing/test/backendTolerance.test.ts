/**
 * The per-backend tolerance table: the stated thresholds per backend, the noise-driven elements
 * (the fixture's list and the backend's own), and that whatever it allows, a NaN, an infinity and a
 * length mismatch still fail.
 */
import { describe, expect, it } from "vitest"
import { backendTolerance, expectAllClose, gradientTolerance, noiseDrivenBelow, noiseDrivenElements, paramTolerance } from "../src/index.js"

describe("per-backend tolerances", () => {
  it("state the same allowances on every backend but the noise threshold, which is 10× larger on WebGPU", () => {
    for (const backend of ["wasm", "cpu", "webgpu"]) {
      expect(backendTolerance("loss", backend)).toEqual({ rtol: 1e-5 })
      expect(backendTolerance("gradNorm", backend)).toEqual({ rtol: 1e-4 })
      expect(backendTolerance("param", backend)).toEqual({ atol: 2e-6 })
      expect(backendTolerance("noisyParam", backend)).toEqual({ atol: 6e-3 })
    }
    expect(noiseDrivenBelow("wasm")).toBe(1e-6)
    expect(noiseDrivenBelow("webgpu")).toBe(1e-5)
    // an unknown backend gets the looser row
    expect(noiseDrivenBelow("webgl")).toBe(1e-5)
  })

  it("gradient elements are held relative to the reference tensor's largest magnitude", () => {
    expect(gradientTolerance([0.5, -2, 1e-9], "wasm")).toEqual({ atol: 2e-4 })
    expectAllClose([1e-4 + 1e-4], [1e-4], gradientTolerance([1e-4, -2], "wasm"))
    expect(() => expectAllClose([1e-4 + 3e-4], [1e-4], gradientTolerance([1e-4, -2], "wasm"))).toThrow(/\|diff\|/)
  })

  it("noise-driven elements: the fixture's list and those whose start gradient is below the backend's threshold", () => {
    const grads = { w: Float32Array.of(1e-3, 5e-6, 5e-7, -2e-6), b: Float32Array.of(0, 1) }
    const wasm = noiseDrivenElements("wasm", grads, { w: [0] })
    expect([...wasm.w!].sort()).toEqual([0, 2])
    expect([...wasm.b!]).toEqual([0])
    const gpu = noiseDrivenElements("webgpu", grads)
    expect([...gpu.w!].sort()).toEqual([1, 2, 3])
    const tol = paramTolerance("webgpu", gpu.w)
    expect(tol(0)).toEqual({ atol: 2e-6 })
    expect(tol(1)).toEqual({ atol: 6e-3 })
  })

  it("whatever they allow, NaN, an infinity and a length mismatch fail", () => {
    const noisy = paramTolerance("webgpu", new Set([0, 1]))
    expect(() => expectAllClose([NaN, 1], [0, 1], noisy)).toThrow(/\[0\]: got NaN/)
    expect(() => expectAllClose([Infinity], [0], noisy)).toThrow(/Infinity/)
    expect(() => expectAllClose([1, 2], [1, 2, 3], noisy)).toThrow(/2 values, expected 3/)
    expect(() => expectAllClose([NaN], [1], backendTolerance("loss", "webgpu"))).toThrow(/NaN/)
    expect(() => expectAllClose([1], [1, 1], gradientTolerance([1, 1], "wasm"))).toThrow(/1 values, expected 2/)
  })
})
