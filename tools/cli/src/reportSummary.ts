/**
 * After a run: where each report a stage wrote is, and a short table of its headline metrics. Any
 * stage whose output names a `report` file (and optionally a `summary` of metric → model → value)
 * is listed, so a new evaluation plugin gets this for free.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import type { RunSummary } from "@zaoji/core"

type Summary = Readonly<Record<string, Readonly<Record<string, number | null>>>>
type Gate = { readonly passed: boolean; readonly mode: string; readonly regressed: ReadonlyArray<string> }
type Leakage = { readonly verdict: string; readonly complete: boolean; readonly worstFraction: number }
type Flag = { readonly kind: string; readonly message: string }

/** headline metrics, in display order; ids missing from a report are left out */
const HEADLINE: ReadonlyArray<readonly [id: string, label: string]> = [
  ["exam.loglik.acc", "exam acc"],
  ["exam.generate.acc", "exam acc (generate)"],
  ["general.loglik.acc", "general exam acc"],
  ["qa.chatglm.rouge-l", "specialty QA ROUGE-L"],
  ["qa.chatglm.bleu-4", "specialty QA BLEU-4"],
  ["general_qa.chatglm.rouge-l", "general QA ROUGE-L"],
  ["general_qa.chatglm.bleu-4", "general QA BLEU-4"],
  ["subjective.scoreRate", "score rate"]
]

/** the de-identification summary a records stage returns (counts by kind only) */
type Privacy = {
  readonly strictness: string
  readonly maskedByKind: Readonly<Record<string, number>>
  readonly residualByKind: Readonly<Record<string, number>>
  readonly rejectedForPrivacy: number
}
const sum = (counts: Readonly<Record<string, number>>) => Object.values(counts).reduce((a, b) => a + b, 0)
const byKind = (counts: Readonly<Record<string, number>>) =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(", ")
export const privacyLine = (stage: string, p: Privacy): string =>
  `privacy (${stage}): ${sum(p.maskedByKind)} identifiers masked${sum(p.maskedByKind) ? ` (${byKind(p.maskedByKind)})` : ""}; ` +
  `residual scan ${sum(p.residualByKind)} hits${sum(p.residualByKind) ? ` (${byKind(p.residualByKind)})` : ""}, ` +
  `${p.rejectedForPrivacy} records rejected for privacy (strictness ${p.strictness})`

const fmt = (v: number | null | undefined): string => (v === null || v === undefined ? "–" : Math.abs(v) <= 1 ? v.toFixed(3) : v.toFixed(2))

export const reportLines = (summary: RunSummary): ReadonlyArray<string> => {
  const lines: string[] = []
  for (const s of summary.stages) {
    if (s.status !== "done" && s.status !== "cached") continue
    let output: { report?: unknown; html?: unknown; summary?: Summary; gate?: Gate; leakage?: Leakage; flags?: ReadonlyArray<Flag> } | undefined
    try {
      output = (JSON.parse(fs.readFileSync(path.join(s.dir, "manifest.json"), "utf8")) as { output?: typeof output }).output
    } catch {
      continue
    }
    const privacy = (output as { privacy?: Privacy } | undefined)?.privacy
    if (privacy !== undefined) lines.push(privacyLine(s.stage, privacy))
    if (typeof output?.report !== "string") continue
    lines.push(`report (${s.stage}): ${path.join(s.dir, output.report)}`)
    if (typeof output.html === "string") lines.push(`            ${path.join(s.dir, output.html)}`)
    const table = output.summary
    if (table === undefined) continue
    const rows = HEADLINE.filter(([id]) => table[id] !== undefined)
    const models = [...new Set(rows.flatMap(([id]) => Object.keys(table[id]!)))]
    if (rows.length === 0 || models.length === 0) continue
    const w = Math.max(...rows.map(([, l]) => l.length))
    lines.push("", `${"".padEnd(w)}  ${models.map((m) => m.padStart(8)).join("  ")}`)
    for (const [id, label] of rows) lines.push(`${label.padEnd(w)}  ${models.map((m) => fmt(table[id]![m]).padStart(8)).join("  ")}`)
    const gate = output.gate
    if (gate !== undefined)
      lines.push(
        "",
        gate.passed
          ? "regression gate: passed"
          : `regression gate: ${gate.mode === "fail" ? "FAILED" : "flagged"} (${gate.regressed.join(", ")} lost more than the margin; see the report)`
      )
    // metrics.compare's leakage check and model flags (no effect, not learning)
    const leak = output.leakage
    if (leak !== undefined)
      lines.push(
        leak.verdict === "clean"
          ? `evaluation data in training data: none${leak.complete ? "" : " (lineage incomplete; see the report)"}`
          : `evaluation data in training data: ${leak.verdict === "allowed" ? "within the allowed share" : "LEAKED"} (up to ${(100 * leak.worstFraction).toFixed(1)}% of a set; see the report)`
      )
    // not-learning is already printed for every training stage by the run's learning warnings
    for (const f of output.flags ?? []) if (f.kind !== "not-learning") lines.push(`flag ${f.kind}: ${f.message}`)
    lines.push("")
  }
  return lines
}
