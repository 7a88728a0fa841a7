import { describe, expect, it } from "vitest"
import { presetConfig } from "@zaoji/glm-runtime"
import { decodeFlops, modelSizes, prefillFlops, targetRows, trainStepFlops } from "../src/flops.js"
import { benchBatches, smallShape } from "../src/training.js"

const cfg = presetConfig("small", { arch: "glm1" })
const m = modelSizes(cfg, 2)
const attn = (layers: number, ctx: number) => 4 * layers * ctx * m.hidden

describe("FLOPs counted from the work", () => {
  it("splits the matmul parameters into body, head and the last layers", () => {
    expect(m.head).toBe(8000 * 256)
    expect(m.layers).toBe(6)
    // a glm1 layer: QKV 3H² + dense H² + MLP 2·H·4H, plus their biases
    const perLayer = 3 * 256 * 256 + 3 * 256 + 256 * 256 + 256 + 2 * 256 * 1024 + 1024 + 256
    expect(m.lastLayers).toBe(2 * perLayer + 2 * 4 * 256) // + the layers' two LayerNorms (weight, bias)
    expect(m.body).toBe(6 * (perLayer + 4 * 256) + 2 * 256) // + the final LayerNorm
  })

  it("reduces to the full-head count of the PyTorch anchor when every position has a target", () => {
    const T = 1024
    const N = m.body + m.head
    expect(trainStepFlops(m, "full", T, T, 128)).toBe(T * (6 * N + 3 * attn(6, 128)))
    expect(trainStepFlops(m, "freeze", T, T, 128)).toBe(T * (2 * N + 2 * m.head + 4 * m.lastLayers + attn(6, 128) + 2 * attn(2, 128)))
    expect(trainStepFlops(m, "prefix", T, T, 144)).toBe(T * (4 * N + 3 * attn(6, 144)))
    expect(prefillFlops(m, 1, 32)).toBeLessThan(32 * (2 * N + attn(6, 32)))
  })

  it("counts the bench batch's 65 target rows per sequence, and credits 13–30% less than the full head", () => {
    const batches = benchBatches(smallShape, { ...cfg, vocab_size: 8000 } as typeof cfg, 2)
    const rows = targetRows(batches[0]!.map((e) => e.labels))
    expect(rows).toBe(8 * 65)
    const full = trainStepFlops(m, "full", 1024, 1024, 128)
    const cut = trainStepFlops(m, "full", 1024, rows, 128)
    expect(1 - cut / full).toBeGreaterThan(0.12)
    expect(1 - cut / full).toBeLessThan(0.16)
    const prefillFull = 32 * (2 * (m.body + m.head) + attn(6, 32))
    expect(1 - prefillFlops(m, 1, 32) / prefillFull).toBeGreaterThan(0.25)
  })

  it("counts decoding per generated token, the attention growing with the context", () => {
    const one = decodeFlops(m, 1, 32, 1)
    expect(one).toBe(2 * (m.body + m.head) + attn(6, 33))
    expect(decodeFlops(m, 8, 32, 4)).toBe(8 * (4 * 2 * (m.body + m.head) + attn(6, 33) + attn(6, 34) + attn(6, 35) + attn(6, 36)))
  })

  it("finds target rows after the shift, ignoring -100", () => {
    expect(targetRows([[1, -100, 5, 6], [-100, -100, -100, -100]])).toBe(2)
    expect(targetRows([])).toBe(0)
  })
})
