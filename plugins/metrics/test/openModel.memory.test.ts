/**
 * An evaluation refuses, before loading anything, a model the backend cannot hold (the memory
 * estimate at the full context), and opens it when it fits.
 */
import { afterAll, describe, expect, it } from "vitest"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Either } from "effect"
import { artifactOf } from "@zaoji/core"
import { initBaseModel } from "@zaoji/fine-tuning/kit"
import { useBackend } from "@zaoji/tensor"
import { openModel } from "../src/compare/resolveModel.js"

const dir = mkdtempSync(join(tmpdir(), "zaoji-open-memory-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe("opening a model for evaluation", () => {
  it("is refused with the estimate when the backend is too small, and opens when it fits", async () => {
    await useBackend("wasm")
    initBaseModel(join(dir, "model"), ["肝病有什么症状？常见腹痛。", "胆囊炎怎么治疗？手术。"], { preset: "micro", arch: "glm1", seed: 2 })
    const artifact = artifactOf({ model: "model" }, dir)
    const open = () => Effect.runPromise(Effect.either(Effect.scoped(Effect.map(openModel("stage 2", artifact, 0, 8), (m) => m.kind))))
    const saved = process.env.ZAOJI_DEVICE_MEMORY
    try {
      process.env.ZAOJI_DEVICE_MEMORY = "64KB"
      const refused = await open()
      expect(Either.isLeft(refused)).toBe(true)
      expect(Either.isLeft(refused) ? (refused.left as { message: string }).message : "").toMatch(
        /^model "stage 2": this evaluation needs at least .* on wasm \(weights .* and a key\/value cache of .* at batch 8 × \d+ tokens\), but wasm has 64 KiB \(ZAOJI_DEVICE_MEMORY\); lower batchSize \(now 8\)/
      )
      delete process.env.ZAOJI_DEVICE_MEMORY
      expect(await open()).toEqual(Either.right("glm"))
    } finally {
      if (saved === undefined) delete process.env.ZAOJI_DEVICE_MEMORY
      else process.env.ZAOJI_DEVICE_MEMORY = saved
    }
  })
})
