/**
 * Pretraining text from dataset files (JSON Lines): QA pairs become "问：q\n答：a", any other row
 * contributes its string fields (ids excluded) joined by line breaks. The text is tokenized,
 * concatenated with <eos> between documents and cut into fixed-length blocks.
 */
import { readFileSync } from "node:fs"
import { InputError, errorMessage } from "@zaoji/core"
import { Rng, type TokenExample } from "@zaoji/training"
import { buildTrainingExample, type Tokenizer } from "@zaoji/glm-runtime"

const stringsOf = (v: unknown, key: string, out: string[]): void => {
  if (typeof v === "string") {
    if (key !== "id" && !key.endsWith("_id") && v.trim() !== "") out.push(v)
  } else if (Array.isArray(v)) v.forEach((x) => stringsOf(x, key, out))
  else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) stringsOf(x, k, out)
}

/** The documents of a JSON Lines dataset file. */
export const readCorpus = (file: string): string[] => {
  let text: string
  try {
    text = readFileSync(file, "utf8")
  } catch (e) {
    throw new InputError({ location: file, message: `cannot read the corpus: ${errorMessage(e)}` })
  }
  const docs: string[] = []
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return
    let row: unknown
    try {
      row = JSON.parse(line)
    } catch {
      throw new InputError({ location: `${file}:${i + 1}`, message: "expected one JSON object per line" })
    }
    const r = row as Record<string, unknown>
    if (typeof r.question === "string" && typeof r.answer === "string") docs.push(`问：${r.question}\n答：${r.answer}`)
    else {
      const parts: string[] = []
      stringsOf(row, "", parts)
      if (parts.length > 0) docs.push(parts.join("\n"))
    }
  })
  return docs
}

/**
 * Causal-LM blocks of at most `blockLength` ids (special tokens included). glm1 blocks are split at
 * a seeded point into a bidirectional context and a generated part (GLM's [gMASK] objective), so
 * the model learns the layout fine-tuning and chat use; glm2 blocks are generated whole after
 * [gMASK, sop].
 */
export const corpusBlocks = (tokenizer: Tokenizer, docs: ReadonlyArray<string>, blockLength: number, seed: number): TokenExample[] => {
  const stream: number[] = []
  for (const d of docs) stream.push(...tokenizer.encode(d), tokenizer.special.eos)
  const body = Math.max(4, blockLength - 3) // room for [gMASK, sop] and the final <eos>
  const rng = new Rng(seed)
  const out: TokenExample[] = []
  for (let i = 0; i < stream.length; i += body) {
    const chunk = stream.slice(i, i + body)
    if (chunk.length < 2) continue
    const split = tokenizer.layout === "glm1" ? rng.int(Math.floor(chunk.length / 2) + 1) : 0
    out.push(buildTrainingExample(tokenizer, chunk.slice(0, split), chunk.slice(split)))
  }
  return out
}
