import { describe, expect, it } from "vitest"
import { allCloseMismatch, expectAllClose, expectBitwiseEqual, expectBitwiseEqualTensors, expectClose } from "../src/index.js"

describe("expectAllClose", () => {
  it("passes values within atol + rtol·|expected|", () => {
    expectAllClose([1, 2.0001, -3], [1, 2, -3.001], { atol: 1e-3 })
    expectAllClose(Float32Array.of(100, 200), [100.5, 199], { rtol: 0.01 })
    expectAllClose([], [], { atol: 0 })
  })

  it("fails a difference beyond the tolerance, naming the element", () => {
    expect(() => expectAllClose([1, 2, 3.1], [1, 2, 3], { atol: 0.05 }, { what: "w" })).toThrow(/w\[2\]: got 3\.1, expected 3/)
  })

  it("fails on NaN or an infinity on either side, whatever the tolerance", () => {
    expect(() => expectAllClose([1, NaN], [1, 2], { atol: 1e9 })).toThrow(/\[1\]: got NaN/)
    expect(() => expectAllClose([1, 2], [1, NaN], { atol: 1e9 })).toThrow(/expected value NaN/)
    expect(() => expectAllClose([NaN], [NaN], { atol: 1e9 })).toThrow(/NaN/)
    expect(() => expectAllClose([Infinity], [Infinity], { atol: 1 })).toThrow(/Infinity/)
    expect(() => expectAllClose(Float32Array.of(-Infinity), [0], { atol: 1 })).toThrow(/-Infinity/)
    expect(() => expectClose(NaN, 1, { rtol: 1 })).toThrow(/NaN/)
  })

  it("fails on a length mismatch, also when one side is empty or has holes", () => {
    expect(() => expectAllClose([1, 2], [1, 2, 3], { atol: 1 })).toThrow(/2 values, expected 3/)
    expect(() => expectAllClose([], [1], { atol: 1 })).toThrow(/0 values, expected 1/)
    expect(() => expectAllClose([1, 2, 3], [1, 2], { atol: 1 })).toThrow(/3 values, expected 2/)
    // eslint-disable-next-line no-sparse-arrays
    expect(() => expectAllClose([1, , 3] as number[], [1, 2, 3], { atol: 1 })).toThrow(/\[1\]: got undefined/)
  })

  it("fails on a shape mismatch even when the element counts agree", () => {
    const v = [1, 2, 3, 4, 5, 6]
    expect(() => expectAllClose(v, v, { atol: 0 }, { shape: { actual: [2, 3], expected: [3, 2] } })).toThrow(/shape \[2, 3\], expected \[3, 2\]/)
    expect(() => expectAllClose(v, v, { atol: 0 }, { shape: { actual: [6], expected: [6, 1] } })).toThrow(/shape/)
    expect(() => expectAllClose(v, v, { atol: 0 }, { shape: { actual: [2, 2], expected: [2, 2] } })).toThrow(/6 values for shape \[2, 2\]/)
    expectAllClose(v, v, { atol: 0 }, { shape: { actual: [2, 3], expected: [2, 3] } })
  })

  it("takes a per-element tolerance and refuses a tolerance that is not a finite non-negative number", () => {
    const tol = (i: number) => (i === 1 ? { atol: 0.5 } : { atol: 1e-6 })
    expectAllClose([0, 0.4, 1], [0, 0, 1], tol)
    expect(() => expectAllClose([0.1, 0, 1], [0, 0, 1], tol)).toThrow(/\[0\]/)
    expect(() => expectAllClose([1], [1], { atol: NaN })).toThrow(/tolerance atol/)
    expect(() => expectAllClose([1], [1], { rtol: -1 })).toThrow(/tolerance rtol/)
    expect(allCloseMismatch([1], [1], { atol: 0 })).toBeUndefined()
  })
})

describe("expectBitwiseEqual", () => {
  it("passes identical bits and fails the smallest difference, a sign of zero or a length mismatch", () => {
    expectBitwiseEqual(Float32Array.of(1, NaN, -0), Float32Array.of(1, NaN, -0))
    const a = Float32Array.of(1, 2, 3)
    const b = a.slice()
    b[2] = Math.fround(3 + 2 ** -22)
    expect(() => expectBitwiseEqual(a, b, "p")).toThrow(/p\[2\]/)
    expect(() => expectBitwiseEqual(Float32Array.of(0), Float32Array.of(-0))).toThrow(/bits/)
    expect(() => expectBitwiseEqual(Float32Array.of(1), Float32Array.of(1, 2))).toThrow(/1 values, expected 2/)
    expect(() => expectBitwiseEqual(Float32Array.of(1), Float64Array.of(1))).toThrow(/Float32Array vs Float64Array/)
  })

  it("compares named tensors: same names and bits", () => {
    expectBitwiseEqualTensors({ a: Float32Array.of(1) }, { a: Float32Array.of(1) })
    expect(() => expectBitwiseEqualTensors({ a: Float32Array.of(1) }, { b: Float32Array.of(1) })).toThrow(/names differ/)
    expect(() => expectBitwiseEqualTensors({ a: Float32Array.of(1) }, { a: Float32Array.of(2) })).toThrow(/a\[0\]/)
  })
})
