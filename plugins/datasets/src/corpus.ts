/**
 * `datasets.corpus`: a plain-text corpus (what a base model is pretrained on) as a dataset file.
 * A `.txt` file is cut into documents at blank lines (or at every line with `split: "line"`);
 * a `.jsonl` file is taken row by row: its `text` field, or else every string field of the row (so a
 * knowledge-graph file can be a corpus). Rows become `{ id, text }`.
 */
import { readFile } from "node:fs/promises"
import { extname, isAbsolute, join, resolve } from "node:path"
import { Effect, Schema } from "effect"
import { InputError, Stage, errorMessage } from "@zaoji/core"
import { DatasetFile, writeJsonl } from "@zaoji/data"

export const CorpusConfig = Schema.Struct({
  /** text file relative to the workflow: .txt, or .jsonl rows with a `text` field */
  source: Schema.String,
  split: Schema.optionalWith(Schema.Literal("paragraph", "line"), { default: () => "paragraph" as const }),
  /** the corpus holds record-derived text */
  sensitive: Schema.optionalWith(Schema.Boolean, { default: () => false })
})

const TextRow = Schema.Struct({ id: Schema.String, text: Schema.String })

/** a row's `text`, else all its string values (nested too; ids left out) joined by line breaks */
const textOf = (row: unknown): string => {
  const direct = (row as { text?: unknown } | null)?.text
  if (typeof direct === "string") return direct.trim()
  const parts: string[] = []
  const walk = (v: unknown, key: string): void => {
    if (typeof v === "string") {
      if (key !== "id" && !key.endsWith("_id") && v.trim() !== "") parts.push(v.trim())
    } else if (Array.isArray(v)) v.forEach((x) => walk(x, key))
    else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, k)
  }
  walk(row, "")
  return parts.join("\n")
}

const documentsOf = (file: string, shown: string, content: string, split: "paragraph" | "line") => {
  if (extname(file).toLowerCase() !== ".jsonl") {
    const parts = split === "line" ? content.split(/\r?\n/) : content.split(/\r?\n\s*\r?\n/)
    return Effect.succeed(parts.map((p) => p.trim()).filter((p) => p !== ""))
  }
  return Effect.forEach(
    content.split(/\r?\n/).map((line, i) => [line, i + 1] as const).filter(([line]) => line.trim() !== ""),
    ([line, n]) => {
      let row: unknown
      try {
        row = JSON.parse(line)
      } catch {
        return Effect.fail(new InputError({ location: `${shown}:${n}`, message: "expected one JSON object per line" }))
      }
      const text = textOf(row)
      return text !== ""
        ? Effect.succeed(text)
        : Effect.fail(new InputError({ location: `${shown}:${n}`, message: 'expected a "text" field, or an object with string fields' }))
    }
  )
}

export const corpus = Stage.make({
  name: "datasets.corpus",
  version: "1",
  config: CorpusConfig,
  output: DatasetFile,
  inputs: Stage.inputs(),
  files: (c) => [c.source],
  run: ({ config, ctx }) =>
    Effect.gen(function* () {
      const file = isAbsolute(config.source) ? config.source : resolve(ctx.baseDir, config.source)
      const content = yield* Effect.tryPromise({
        try: () => readFile(file, "utf8"),
        catch: (e) => new InputError({ location: config.source, message: `cannot read the corpus: ${errorMessage(e)}` })
      })
      const docs = yield* documentsOf(file, config.source, content, config.split)
      if (docs.length === 0) return yield* Effect.fail(new InputError({ location: config.source, message: "the corpus has no text" }))
      yield* writeJsonl(join(ctx.outDir, "corpus.jsonl"), docs.map((text, i) => ({ id: `doc-${i + 1}`, text })), TextRow)
      yield* ctx.metric("characters", docs.reduce((n, d) => n + d.length, 0))
      return { file: "corpus.jsonl", kind: "text" as const, count: docs.length, sensitive: config.sensitive }
    })
})
