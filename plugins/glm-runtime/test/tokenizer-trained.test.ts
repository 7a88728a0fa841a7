import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { Effect, Either } from "effect"
import { buildGenerationInput, buildTrainingExample, chunkText, loadTokenizer, loadTokenizerEffect, saveTokenizer, TokenizerFileError, trainTokenizer } from "../src/index.js"

const corpus = [
  "胆囊结石的常见症状是右上腹疼痛，可放射至右肩背部。",
  "肝硬化患者应定期复查肝功能和腹部B超。",
  "Hepatitis B virus infection is a common cause of cirrhosis.",
  "The hepatitis panel showed HBsAg positive; ALT 120 U/L, AST 98 U/L in 2023.",
  "胆管癌（cholangiocarcinoma）的治疗以手术为主，术后5年生存率约为20%。",
  "hepatitis hepatitis hepatitis cirrhosis cirrhosis ALT ALT 2023 2023 120"
]

const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

describe("trainable tokenizer", () => {
  const glm2 = trainTokenizer(corpus, { vocabSize: 600, layout: "glm2" })
  const glm1 = trainTokenizer(corpus, { vocabSize: 600, layout: "glm1" })

  it("cuts CJK into single characters and Latin words / numbers into runs", () => {
    expect(chunkText("肝炎 hepatitis B,ALT 120U")).toEqual(["肝", "炎", " hepatitis", " B", ",", "ALT", " ", "120", "U"])
  })

  it("gives each Chinese character one token and keeps frequent words and numbers whole", () => {
    const pieces = (t: string) => glm2.encode(t).map((i) => glm2.idToPiece(i))
    expect(pieces("肝硬化")).toEqual(["肝", "硬", "化"])
    expect(pieces(" hepatitis")).toEqual([" hepatitis"])
    expect(pieces("2023")).toEqual(["2023"])
    expect(pieces(" cirrhosis")).toEqual([" cirrhosis"])
  })

  it("round-trips any text, falling back to bytes for characters it never saw", () => {
    for (const t of [...corpus, "未见过的字：龘 and emoji 🩺, tabs\tand\nnew lines  ", ""]) expect(glm2.decode(glm2.encode(t))).toBe(t)
    const ids = glm2.encode("龘")
    expect(ids.map((i) => glm2.idToPiece(i))).toEqual(["<0xE9>", "<0xBE>", "<0x98>"])
  })

  it("is deterministic", () => {
    const again = trainTokenizer([...corpus], { vocabSize: 600, layout: "glm2" })
    expect(JSON.stringify(again.toJSON())).toBe(JSON.stringify(glm2.toJSON()))
  })

  it("respects the vocabulary size and places special tokens as the official layouts do", () => {
    const small = trainTokenizer(corpus, { vocabSize: 300, layout: "glm2" })
    expect(small.vocabSize).toBeLessThanOrEqual(300)
    expect(glm2.vocabSize).toBeLessThanOrEqual(600)
    expect(glm2.special).toMatchObject({ pad: 0, unk: 0, eos: 2 })
    expect(glm2.idToPiece(glm2.special.gmask)).toBe("[gMASK]")
    expect(glm2.special.sop).toBe(glm2.special.gmask + 2)
    expect(glm1.special).toMatchObject({ pad: 3 })
    expect(glm1.idToPiece(glm1.special.sop)).toBe("<sop>")
    expect(glm1.special.eos).toBe(glm1.special.eop)
    expect(glm1.decode([glm1.special.gmask, ...glm1.encode("肝"), glm1.special.eos])).toBe("肝")
  })

  it("builds the official training layouts", () => {
    const q = glm1.encode("肝")
    const a = glm1.encode("胆")
    const ex1 = buildTrainingExample(glm1, q, a)
    expect(ex1.inputIds).toEqual([...q, glm1.special.gmask, glm1.special.sop, ...a, glm1.special.eos])
    expect(ex1.labels).toEqual([...q.map(() => -100), -100, glm1.special.sop, ...a, glm1.special.eos])
    const ex2 = buildTrainingExample(glm2, glm2.encode("肝"), glm2.encode("胆"), { maxTargetLength: 1 })
    expect(ex2.inputIds).toEqual([glm2.special.gmask, glm2.special.sop, ...glm2.encode("肝"), ...glm2.encode("胆"), 2])
    expect(ex2.labels).toEqual([-100, -100, -100, ...glm2.encode("胆"), 2])
  })

  it("saves as tokenizer.json and loads back identically", () => {
    const dir = mkdtempSync(join(tmpdir(), "zaoji-tok-"))
    dirs.push(dir)
    expect(saveTokenizer(glm1, dir)).toEqual(["tokenizer.json"])
    const json = JSON.parse(readFileSync(join(dir, "tokenizer.json"), "utf8"))
    expect(json.zaoji_tokenizer).toBe("zaoji-cjk-bpe-1")
    const back = loadTokenizer(dir)
    expect(back.family).toBe("zaoji")
    for (const t of corpus) expect(back.encode(t)).toEqual(glm1.encode(t))
    expect(back.special).toEqual(glm1.special)
    expect(buildGenerationInput(back, [{ role: "user", content: "肝硬化" }]).ids).toEqual([...glm1.encode("肝硬化"), glm1.special.gmask, glm1.special.sop])
  })

  it("rejects a malformed tokenizer.json naming the file and field", () => {
    const dir = mkdtempSync(join(tmpdir(), "zaoji-tok-"))
    dirs.push(dir)
    const file = join(dir, "tokenizer.json")
    writeFileSync(file, JSON.stringify({ ...glm2.toJSON(), layout: "glm9" }))
    expect(() => loadTokenizer(dir)).toThrow(TokenizerFileError)
    expect(() => loadTokenizer(dir)).toThrow(/tokenizer\.json: layout: expected "glm1" or "glm2", found "glm9"/)
    writeFileSync(file, JSON.stringify({ ...glm2.toJSON(), merges: [["he", "llo"]] }))
    expect(() => loadTokenizer(dir)).toThrow(/merges\[0\]: expected a merge whose result is in vocab/)
    writeFileSync(file, "{ not json")
    expect(() => loadTokenizer(dir)).toThrow(/tokenizer\.json: \(whole file\): expected valid JSON/)
  })

  it("turns a bad tokenizer folder into an InputError for stages", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zaoji-tok-"))
    dirs.push(dir)
    writeFileSync(join(dir, "tokenizer.json"), JSON.stringify({ ...glm2.toJSON(), vocab: [1, 2] }))
    const r = await Effect.runPromise(Effect.either(loadTokenizerEffect(dir)))
    expect(Either.isLeft(r)).toBe(true)
    if (Either.isLeft(r)) {
      expect(r.left._tag).toBe("InputError")
      expect(r.left.location).toBe(`${join(dir, "tokenizer.json")}: vocab[0]`)
      expect(r.left.message).toMatch(/expected a string, found 1/)
    }
    saveTokenizer(glm2, dir)
    const ok = await Effect.runPromise(loadTokenizerEffect(dir))
    expect(ok.encode("肝硬化 hepatitis")).toEqual(glm2.encode("肝硬化 hepatitis"))
  })
})
