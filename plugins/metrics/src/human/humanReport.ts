/** JSON and Markdown exports of an unblinded human evaluation. */
import { join } from "node:path"
import { REPLY_DIMENSIONS, REPLY_DIMENSION_TITLES } from "./kitFormat.js"
import type { AgreementSummary, HumanEvalReport, MeanSummary } from "./aggregate.js"
import { writeFileAtomic, writeJsonAtomic } from "./files.js"

const num = (v: number | null, digits = 2): string => (v === null || Number.isNaN(v) ? "–" : v.toFixed(digits))
const ci = (s: MeanSummary): string => (s.ci95 === null ? "–" : `[${num(s.ci95[0])}, ${num(s.ci95[1])}]`)
/** keep table cells on one line and free of column separators */
const cell = (text: string): string => text.replace(/\|/g, "\\|").replace(/\s+/g, " ")

const agreementLines = (a: AgreementSummary): Array<string> => [
  `- raters: ${a.raters}`,
  `- Krippendorff's alpha (interval): ${num(a.krippendorffAlphaInterval, 3)} over ${a.pairableUnits} units rated by ≥ 2 raters`,
  `- ICC(2,1): ${num(a.icc21, 3)}; ICC(2,k): ${num(a.icc2k, 3)} over ${a.completeUnits} units rated by every rater`
]

export const humanReportMarkdown = (report: HumanEvalReport): string => {
  const lines: Array<string> = []
  lines.push(`# Human evaluation: ${cell(report.title)}`, "")
  lines.push(`Models: ${report.models.map(cell).join(", ")}. Raters: ${report.raters.length === 0 ? "none yet" : report.raters.map(cell).join(", ")}.`, "")
  const b = report.blind
  if (b.questions > 0) {
    lines.push(`## Blind comparison (score ${b.scale[0]}–${b.scale[1]}, ${b.questions} questions)`, "")
    lines.push("| model | mean | 95% CI | sd | scores | questions |", "| --- | ---: | --- | ---: | ---: | ---: |")
    for (const m of b.perModel) lines.push(`| ${cell(m.model)} | ${num(m.mean)} | ${ci(m)} | ${num(m.sd)} | ${m.n} | ${m.questions} |`)
    lines.push("")
    if (b.perRater.length > 0) {
      lines.push("Per rater:", "", "| rater | model | mean | scores |", "| --- | --- | ---: | ---: |")
      for (const r of b.perRater) lines.push(`| ${cell(r.rater)} | ${cell(r.model)} | ${num(r.mean)} | ${r.n} |`)
      lines.push("")
    }
    if (b.pairwise.some((p) => p.n > 0)) {
      lines.push("Pairwise (score of the first model minus the second, same rater and question):", "")
      lines.push("| models | mean difference | 95% CI | higher / equal / lower |", "| --- | ---: | --- | --- |")
      for (const p of b.pairwise) lines.push(`| ${cell(p.a)} − ${cell(p.b)} | ${num(p.mean)} | ${ci(p)} | ${p.wins} / ${p.ties} / ${p.losses} |`)
      lines.push("")
    }
    lines.push("Agreement (unit: one anonymous answer):", "", ...agreementLines(b.agreement), "")
  }
  const d = report.dialogue
  if (d.conversations > 0) {
    const dims = [...REPLY_DIMENSIONS, "overall"] as const
    const title = (k: (typeof dims)[number]) => (k === "overall" ? "Overall" : REPLY_DIMENSION_TITLES[k])
    lines.push(`## Dialogue evaluation (each reply ${d.scale[0]}–${d.scale[1]}, ${d.conversations} conversations)`, "")
    lines.push(`| model | ${dims.map(title).join(" | ")} | rated replies |`, `| --- | ${dims.map(() => "---").join(" | ")} | ---: |`)
    for (const m of d.perModel) lines.push(`| ${cell(m.model)} | ${dims.map((k) => (m[k].mean === null ? "–" : `${num(m[k].mean)} ${ci(m[k])}`)).join(" | ")} | ${m.ratedReplies} |`)
    lines.push("")
    if (d.perRater.length > 0) {
      lines.push("Per rater:", "", `| rater | model | ${dims.map(title).join(" | ")} | replies |`, `| --- | --- | ${dims.map(() => "---:").join(" | ")} | ---: |`)
      for (const r of d.perRater) lines.push(`| ${cell(r.rater)} | ${cell(r.model)} | ${dims.map((k) => num(r.means[k])).join(" | ")} | ${r.ratedReplies} |`)
      lines.push("")
    }
    lines.push("Agreement per dimension (unit: one reply):", "")
    lines.push("| dimension | raters | Krippendorff's alpha (interval) | units rated by ≥ 2 | ICC(2,1) | ICC(2,k) | units rated by all |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for (const k of dims) {
      const a = d.agreement[k]
      lines.push(`| ${title(k)} | ${a.raters} | ${num(a.krippendorffAlphaInterval, 3)} | ${a.pairableUnits} | ${num(a.icc21, 3)} | ${num(a.icc2k, 3)} | ${a.completeUnits} |`)
    }
    lines.push("")
  }
  lines.push("## Definitions", "")
  lines.push(
    `- Mean: of every entered score (all raters); 95% CI: percentile bootstrap, ${report.bootstrap.resamples} resamples (seed ${report.bootstrap.seed}), resampling questions (blind) or conversations (dialogue), since ratings of the same item are correlated.`,
    "- Overall (dialogue): per reply the mean of the entered dimensions, then averaged over replies.",
    "- Krippendorff's alpha, interval metric: 1 − D_o/D_e with squared differences; missing ratings allowed.",
    "- ICC(2,1) / ICC(2,k): two-way random effects, absolute agreement (Shrout & Fleiss 1979), on units every rater scored.",
    ""
  )
  return lines.join("\n")
}

export const writeHumanReport = (outDir: string, report: HumanEvalReport): { readonly json: string; readonly markdown: string } => {
  const json = join(outDir, "human-eval.json")
  const markdown = join(outDir, "human-eval.md")
  writeJsonAtomic(json, report)
  writeFileAtomic(markdown, humanReportMarkdown(report))
  return { json, markdown }
}
