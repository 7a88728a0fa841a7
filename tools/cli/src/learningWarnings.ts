/**
 * After a run: a warning line for every training stage whose loss did not fall beyond noise (the
 * `learning` verdict a model stage's output carries), so a flat run is not taken for a trained one.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import type { RunSummary } from "@zaoji/core"

interface Learning {
  readonly verdict: string
  readonly note: string
}

export const learningWarnings = (summary: RunSummary): ReadonlyArray<string> => {
  const lines: string[] = []
  for (const s of summary.stages) {
    if (s.status !== "done" && s.status !== "cached") continue
    let learning: Learning | undefined
    try {
      learning = (JSON.parse(fs.readFileSync(path.join(s.dir, "manifest.json"), "utf8")) as { output?: { learning?: Learning } }).output?.learning
    } catch {
      continue
    }
    if (learning?.verdict === "not-learning") lines.push(`warning: stage ${s.stage} did not learn: ${learning.note}`)
  }
  return lines
}
