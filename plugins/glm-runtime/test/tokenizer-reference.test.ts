/**
 * Cross-check against the SentencePiece C++ library: the models in tokenizer-fixtures/ were
 * trained by spm_train and their expected ids/decodings written by spm_encode/spm_decode
 * (make-fixtures.sh). Covers unigram and BPE, the real nmt_nfkc precompiled charsmap, byte
 * fallback, user-defined symbols, unknown runs, and whitespace options.
 */
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { ModelType, SentencePieceModel } from "../src/index.js"

const here = join(dirname(fileURLToPath(import.meta.url)), "tokenizer-fixtures")
const expected = JSON.parse(readFileSync(join(here, "expected.json"), "utf8")) as Record<string, Array<{ text: string; ids: number[]; decoded: string }>>

describe.each([
  ["unigram-nfkc", ModelType.Unigram, "nmt_nfkc"],
  ["bpe-bytes", ModelType.Bpe, "identity"],
  ["unigram-raw", ModelType.Unigram, "identity"],
  ["bpe-unk", ModelType.Bpe, "identity"]
] as const)("%s.model made by spm_train", (name, type, normalization) => {
  const sp = SentencePieceModel.fromBytes(readFileSync(join(here, `${name}.model`)), `${name}.model`)
  const cases = expected[name]

  it("is read with the trainer and normalizer settings it was made with", () => {
    expect(sp.proto.trainer.modelType).toBe(type)
    expect(sp.proto.normalizer.name).toBe(normalization)
    expect(cases.length).toBeGreaterThan(50)
  })

  it("encodes every case to exactly the ids spm_encode gives", () => {
    const wrong = cases.filter((c) => sp.encode(c.text).join(" ") !== c.ids.join(" ")).map((c) => c.text)
    expect(wrong).toEqual([])
  })

  it("decodes those ids to exactly what spm_decode gives", () => {
    const wrong = cases.filter((c) => sp.decode(c.ids) !== c.decoded).map((c) => c.text)
    expect(wrong).toEqual([])
  })
})
