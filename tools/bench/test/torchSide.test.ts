import { describe, expect, it } from "vitest"
import { spawnSync } from "node:child_process"
import { presetConfig } from "@zaoji/glm-runtime"
import { hasShared, sharedSkipReason } from "@zaoji/testing"
import { targetRows } from "../src/flops.js"
import { referenceFolder, torchRuntime, torchTrain } from "../src/torchBench.js"
import { benchBatches, trainableParamCount, type BenchShape } from "../src/training.js"
import { pythonCandidates } from "../src/torchPython.js"

const python = pythonCandidates().find((p) => spawnSync(p, ["-c", "import torch"], { stdio: "ignore" }).status === 0)
const skip = !hasShared ? sharedSkipReason : python === undefined ? "PyTorch is not installed (apt-get install -y python3-torch): skipped" : undefined
const tiny: BenchShape = {
  vocab: 300,
  hidden: 32,
  heads: 4,
  layers: 2,
  ffn: 64,
  seq: 16,
  batch: 2,
  freezeLayers: 1,
  preSeqLen: 4,
  lora: { rank: 2, alpha: 4, targets: ["query_key_value", "dense_4h_to_h"] }
}

describe.skipIf(skip !== undefined)(`the PyTorch side does Zaoji's work${skip ? ` (${skip})` : ""}`, () => {
  const folder = () => {
    const f = referenceFolder()
    if (!("folder" in f)) throw new Error(f.unavailable)
    return f.folder
  }

  it("runs the LM head on the same target rows as Zaoji's batches, with the reference's loss (checked in the script)", () => {
    const cfg = presetConfig("small", { arch: "glm1" })
    const zaojiRows = targetRows(benchBatches(tiny, { ...cfg, vocab_size: tiny.vocab } as typeof cfg, 1)[0]!.map((e) => e.labels))
    for (const mode of ["full", "freeze", "prefix", "lora"] as const) {
      const r = torchTrain(python!, folder(), tiny, mode, 1, 0)
      expect(r.results).toHaveLength(1)
      expect(r.results[0]!.head_rows_per_step).toBe(zaojiRows)
      expect(r.results[0]!.tokens_per_step).toBe(tiny.batch * tiny.seq)
      expect(r.results[0]!.s_per_step).toBeGreaterThan(0)
      // the same adapters (rank, targets) on both sides
      if (mode === "lora") expect(r.results[0]!.trainable_params).toBe(trainableParamCount(tiny, mode))
    }
  }, 180_000)

  it("decodes the number of tokens asked for, at every thread count asked for", () => {
    const r = torchRuntime(python!, folder(), tiny, [1, 2], 3, 5, 1)
    expect(r.results.map((x) => x.threads)).toEqual([1, 2])
    for (const x of r.results) {
      expect(x.gen_tokens).toBe(3)
      expect(x.prompt_tokens).toBe(7)
      for (const s of Object.values(x.seconds)) expect(Number.isFinite(s) && s > 0).toBe(true)
    }
  }, 180_000)
})
