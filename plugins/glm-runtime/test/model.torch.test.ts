/**
 * Base folders holding PyTorch `.bin` weights, as the official ChatGLM repositories ship them:
 * the fixture (written by torch, see libs/tensor/test/fixtures/make_torch_fixtures.py) is a
 * ChatGLM2-style folder with float16 shards, an index and the rotary inv_freq buffer, and a
 * safetensors file of the same tensors written by the safetensors package.
 */
import * as tf from "@tensorflow/tfjs"
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Exit } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { artifactOf, runStageOnce } from "@zaoji/core"
import { ensureBackend, SafetensorsError } from "@zaoji/tensor"
import { acquireModelFolder } from "../src/load/effect.js"
import { loadModelFolder, type LoadedModelFolder } from "../src/load/folder.js"
import { forward } from "../src/model/forward.js"
import { FineTuning } from "@zaoji/fine-tuning"
import { syntheticQa, writeJsonl } from "./trainingData.js"

const here = dirname(fileURLToPath(import.meta.url))
const torchFolder = join(here, "fixtures", "torch-glm2")
const twin = join(here, "fixtures", "torch-glm2.safetensors")
const root = mkdtempSync(join(tmpdir(), "zaoji-torch-folder-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** a temp folder with the config and the given fixture files (target name → source path) */
const folderWith = (name: string, files: Readonly<Record<string, string>>): string => {
  const dir = join(root, name)
  mkdirSync(dir, { recursive: true })
  copyFileSync(join(torchFolder, "config.json"), join(dir, "config.json"))
  for (const [to, from] of Object.entries(files)) copyFileSync(from, join(dir, to))
  return dir
}

const safetensorsFolder = (name: string) => folderWith(name, { "model.safetensors": twin })

const logitsOf = (loaded: LoadedModelFolder): Float32Array => {
  const cfg = loaded.model.config
  const ids = cfg.zaoji_arch === "glm2" ? [[cfg.gmask_token_id!, cfg.sop_token_id!, 5, 6, 7, 8, 9]] : []
  const l = forward(cfg, loaded.model.weights, { inputIds: ids }).logits!
  const d = l.dataSync() as Float32Array
  l.dispose()
  return d
}

const failure = (fn: () => unknown): Error => {
  try {
    fn()
  } catch (e) {
    return e as Error
  }
  throw new Error("expected a failure")
}

/** load, run, dispose */
const logitsOfFolder = (dir: string): Float32Array => {
  const loaded = loadModelFolder(dir)
  try {
    return logitsOf(loaded)
  } finally {
    loaded.model.dispose()
  }
}

describe("base folders with PyTorch .bin weights", () => {
  beforeAll(async () => {
    await ensureBackend()
  })

  it("load to the same weights and logits as the same tensors in safetensors", () => {
    const before = tf.memory().numTensors
    const fromBin = loadModelFolder(torchFolder)
    const fromSt = loadModelFolder(safetensorsFolder("st"))
    try {
      expect(fromBin.model.config.zaoji_arch).toBe("glm2")
      expect(Object.keys(fromBin.model.weights).sort()).toEqual(Object.keys(fromSt.model.weights).sort())
      for (const [name, t] of Object.entries(fromSt.model.weights)) {
        expect(Array.from(fromBin.model.weights[name]!.dataSync()), name).toEqual(Array.from(t.dataSync()))
      }
      const a = logitsOf(fromBin)
      const b = logitsOf(fromSt)
      expect(a.length).toBe(7 * 64)
      expect(Array.from(a)).toEqual(Array.from(b))
      expect(a.some((x) => x !== 0)).toBe(true)
    } finally {
      fromBin.model.dispose()
      fromSt.model.dispose()
    }
    expect(tf.memory().numTensors).toBe(before)
  })

  it("safetensors win when both are present; a lone pytorch_model.bin is read whole", () => {
    const index = JSON.parse(readFileSync(join(torchFolder, "pytorch_model.bin.index.json"), "utf8"))
    const shards = [...new Set(Object.values(index.weight_map) as string[])]
    expect(shards.length).toBe(2)
    const ref = logitsOfFolder(torchFolder)
    // both formats side by side, the .bin shards broken: only safetensors can be what loads
    const both = folderWith("both", {
      "model.safetensors": twin,
      "pytorch_model.bin.index.json": join(torchFolder, "pytorch_model.bin.index.json"),
      ...Object.fromEntries(shards.map((s) => [s, join(torchFolder, s)]))
    })
    for (const s of shards) truncateSync(join(both, s), 100)
    expect(Array.from(logitsOfFolder(both))).toEqual(Array.from(ref))
    // a lone pytorch_model.bin is read as the whole checkpoint (here only the first shard's tensors)
    const single = folderWith("single", { "pytorch_model.bin": join(torchFolder, shards[0]!) })
    const partial = failure(() => loadModelFolder(single).model.dispose()) as SafetensorsError
    expect(partial).toBeInstanceOf(SafetensorsError)
    expect([partial.kind, partial.file, partial.tensor]).toEqual(["missing", join(single, "pytorch_model.bin"), "transformer.encoder.layers.1.input_layernorm.weight"])
    const none = folderWith("none", {})
    expect(failure(() => loadModelFolder(none)).message).toMatch(
      /no weights: expected model\.safetensors or model\.safetensors\.index\.json \(safetensors\), or pytorch_model\.bin or pytorch_model\.bin\.index\.json \(PyTorch\)/
    )
  })

  it("a broken .bin shard is an InputError naming the shard", async () => {
    const dir = join(root, "broken")
    cpSync(torchFolder, dir, { recursive: true })
    const shard = join(dir, "pytorch_model-00002-of-00002.bin")
    truncateSync(shard, 5000)
    const exit = await Effect.runPromiseExit(Effect.scoped(acquireModelFolder(dir)))
    if (Exit.isFailure(exit) && exit.cause._tag === "Fail") {
      expect(exit.cause.error._tag).toBe("InputError")
      expect(exit.cause.error.message).toContain(shard)
      expect(exit.cause.error.message).toMatch(/truncated/)
    } else throw new Error("expected a typed failure")
  })

  it("glm.pretrain `from` imports a .bin folder and keys on its config and shard index", async () => {
    const dir = join(root, "import")
    cpSync(torchFolder, join(dir, "model"), { recursive: true })
    // importing checks that a tokenizer is there; this one is never used to encode
    copyFileSync(join(here, "tokenizer-fixtures", "bpe-bytes.model"), join(dir, "model", "tokenizer.model"))
    const data = join(dir, "data")
    mkdirSync(data)
    const file = writeJsonl(data, "qa.jsonl", syntheticQa(4))
    const from = join(dir, "model")
    expect(FineTuning.pretrain.files!({ from } as never)).toEqual([join(from, "config.json"), join(from, "pytorch_model.bin.index.json")])
    const imported = await Effect.runPromise(runStageOnce(FineTuning.pretrain, { from }, { corpus: artifactOf({ file }, data) }, join(dir, "out")))
    expect(imported.value.method).toBe("import")
    const a = logitsOfFolder(join(imported.dir, imported.value.model))
    expect(Array.from(a)).toEqual(Array.from(logitsOfFolder(torchFolder)))
  })
})
