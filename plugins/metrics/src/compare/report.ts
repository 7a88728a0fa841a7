/**
 * The comparison report, in the order a reader needs it: the headline (the figures the paper
 * reports, with intervals and set sizes, the forgetting-gate verdict, the leakage verdict and any
 * flags), then every metric (one row and one chart per metric; both ChatGLM empty-prediction
 * conventions only where they differ), the leakage figures, training-loss curves, the regression
 * gate, lineage of every model and data set, the decoding settings and the metric definitions.
 * Markdown and a self-contained HTML page.
 */
import { METRIC_DEFINITIONS } from "../report/definitions.js"
import type { GateResult } from "../report/gate.js"
import type { DatasetLineage, ModelLineage } from "../report/lineage.js"
import { displayRows, formatCell, headlineRows, labelWithN, markdownTable, metricRows, type MetricRow } from "../report/rows.js"
import { barChart, type Curve, escapeXml, lineChart } from "../report/svg.js"
import type { LeakageResult } from "../leakage/check.js"
import type { ModelScores } from "./evaluateModel.js"
import type { ModelFlag } from "./flags.js"

export { metricRows, type MetricRow } from "../report/rows.js"

export interface ReportModel {
  readonly name: string
  readonly lineage: ModelLineage
  readonly curves: ReadonlyArray<Curve>
  readonly scores: ModelScores
}

export interface CompareReport {
  readonly schema: "zaoji.metrics.compare/1"
  readonly title: string
  readonly models: ReadonlyArray<ReportModel>
  readonly datasets: ReadonlyArray<DatasetLineage>
  readonly decoding: { readonly strategy: "greedy"; readonly maxNewTokens: number; readonly seed: number }
  readonly bootstrap: { readonly resamples: number; readonly seed: number; readonly level: number }
  readonly exam?: { readonly shots: number; readonly target: string; readonly methods: ReadonlyArray<string> }
  readonly general?: { readonly shots: number; readonly target: string; readonly methods: ReadonlyArray<string> }
  readonly gate?: GateResult
  readonly leakage?: LeakageResult
  readonly flags?: ReadonlyArray<ModelFlag>
  readonly definitions: typeof METRIC_DEFINITIONS
}

const num = (v: number | undefined, digits = 4): string => (v === undefined || !Number.isFinite(v) ? "n/a" : v.toFixed(digits))
const pct = (f: number) => `${(100 * f).toFixed(1)}%`

const gateLabel = (g: GateResult) => (g.passed ? "PASSED" : g.mode === "fail" ? "FAILED" : "FLAGGED")
const gateMetricName = (g: GateResult) => (g.metric.startsWith("general_qa.") ? g.metric : `general ${g.metric}`)

/** one sentence on the forgetting gate */
export const gateSentence = (g: GateResult): string => {
  const checks = g.checks.map((c) => `${c.model} ${num(c.value)} vs ${c.reference} ${num(c.referenceValue)}${c.regressed ? " (regressed)" : ""}`).join("; ")
  return `**${gateLabel(g)}** — \`${gateMetricName(g)}\`, allowed drop ${g.maxDrop}${checks ? `: ${checks}` : ": no later model had a value to compare"}`
}

/** the gate's caveat when its set overlaps a model's training data (allowed leakage) */
const gateCaveat = (r: CompareReport): string => {
  if (r.gate === undefined || r.leakage === undefined) return ""
  const set = r.gate.metric.startsWith("general_qa.") ? "general_qa" : "general"
  const seen = r.leakage.checks.filter((c) => c.set === set && c.overlapping > 0)
  return seen.length === 0
    ? ""
    : ` — **caution**: judged on ${seen[0]!.label} items that ${seen.map((c) => `${c.model} (${c.overlapping} of ${c.n})`).join(", ")} trained on`
}

/** one sentence on the leakage check */
export const leakageSentence = (l: LeakageResult): string => {
  const files = new Set(l.models.flatMap((m) => m.sources.map((s) => `${s.key}/${s.file}`))).size
  const sets = [...new Map(l.checks.map((c) => [c.set, `${c.label} (n=${c.n})`])).values()].join(", ")
  const incomplete = l.complete ? "" : " — **incomplete**: some lineage could not be read (see Leakage)"
  if (l.verdict === "clean")
    return files === 0
      ? `**nothing to compare** — no training data was found in the lineage of the compared models (${sets})${incomplete}`
      : `**none** — no item of ${sets} is in the training data of any compared model (${files} training file${files === 1 ? "" : "s"} checked)${incomplete}`
  const worst = l.checks.reduce((a, b) => (b.fraction > a.fraction ? b : a))
  const what = `${l.checks.filter((c) => c.overlapping > 0).length} set × model pairs overlap; worst ${worst.label} × ${worst.model}: ${worst.overlapping} of ${worst.n} (${pct(worst.fraction)})`
  return l.verdict === "allowed"
    ? `**within the allowance** (${pct(l.maxFraction)}) — ${what}${incomplete}`
    : `**LEAKED** (${l.mode === "fail" ? "fails the stage" : "flagged"}; allowed ${pct(l.maxFraction)}) — ${what}${incomplete}`
}

/** flags in words: the models' own flags and the lineage the leakage check could not read */
const allFlags = (r: CompareReport): Array<string> => [
  ...(r.flags ?? []).map((f) => `**${f.kind}** — ${f.message}`),
  ...(r.leakage?.models ?? []).flatMap((m) => [
    ...m.unresolved.map((u) => `**lineage unknown** — ${m.model}: ${u.stage} (${u.key.slice(0, 12)}): ${u.reason}`),
    ...m.imported.map((i) => `**imported** — ${m.model}: ${i.stage} is an imported checkpoint; what it was trained on is not known here`)
  ]),
  ...r.models.flatMap((m) =>
    (["qa", "generalQa"] as const).flatMap((set) => {
      const raising = m.scores[set]?.chatglm.raisingPairs.length ?? 0
      return raising > 0 ? [`**empty answers** — ${m.name}: ${raising} of ${m.scores[set]!.n} ${set === "qa" ? "QA" : "general QA"} answers are empty to rouge_chinese (both conventions shown)`] : []
    })
  )
]

const headlineMarkdown = (r: CompareReport, rows: ReadonlyArray<MetricRow>): Array<string> => {
  const md = ["## Headline", ""]
  const head = headlineRows(rows)
  if (head.length > 0) md.push(...markdownTable(r.models.map((m) => m.name), head, { corner: "figure" }), "")
  if (r.gate !== undefined) md.push(`- Forgetting gate: ${gateSentence(r.gate)}${gateCaveat(r)}`)
  if (r.leakage !== undefined) md.push(`- Evaluation data in training data: ${leakageSentence(r.leakage)}`)
  const flags = allFlags(r)
  md.push(flags.length === 0 ? "- Flags: none" : `- Flags:\n${flags.map((f) => `  - ${f}`).join("\n")}`)
  md.push("", `Brackets: 95% bootstrap intervals (${r.bootstrap.resamples} resamples, seed ${r.bootstrap.seed}); n: items in the set.`, "")
  return md
}

const leakageMarkdown = (l: LeakageResult, models: ReadonlyArray<string>): Array<string> => {
  const md = ["## Leakage", ""]
  md.push(
    `Every evaluation item against all training data in each model's lineage (exact text, and after NFKC, lower case, white space and punctuation removed): ${leakageSentence(l)}. Policy: maxFraction ${l.maxFraction}, mode \`${l.mode}\`.`,
    ""
  )
  const sets = [...new Map(l.checks.map((c) => [c.set, c])).values()]
  md.push(`| set | ${models.join(" | ")} |`, `| --- | ${models.map(() => "---:").join(" | ")} |`)
  for (const s of sets)
    md.push(
      `| ${s.label}, n=${s.n} | ${models
        .map((m) => {
          const c = l.checks.find((x) => x.set === s.set && x.model === m)
          return c === undefined ? "–" : `${c.overlapping} (${pct(c.fraction)}${c.exact > 0 ? `, ${c.exact} exact` : ""})`
        })
        .join(" | ")} |`
    )
  md.push("")
  const examples = l.checks.filter((c) => c.examples.length > 0)
  if (examples.length > 0) {
    md.push("Examples:", "")
    for (const c of examples) for (const e of c.examples) md.push(`- ${c.label} × ${c.model}: \`${e.id}\` "${e.text}" — ${e.level} in ${e.trainedOn}`)
    md.push("")
  }
  md.push("Training data in each model's lineage:", "")
  for (const m of l.models) {
    md.push(`- **${m.model}**: ${m.sources.length === 0 ? "none found" : m.sources.map((s) => `${s.stage}/${s.file} (${s.rows} rows, ${s.input} of ${s.trainedBy})`).join(", ")}`)
    for (const u of m.unresolved) md.push(`  - not read: ${u.stage} (\`${u.key}\`): ${u.reason}`)
    for (const i of m.imported) md.push(`  - ${i.stage}: imported checkpoint (training data unknown)`)
  }
  md.push("")
  return md
}

const lineageLines = (m: ReportModel): Array<string> => {
  const l = m.lineage
  const out = [`- **${m.name}**: key \`${l.key}\``]
  if (l.stage !== undefined) out.push(`  - stage \`${l.stage}\` (${l.plugin ?? "?"} v${l.version ?? "?"})${l.endedAt ? `, built ${l.endedAt}` : ""}`)
  if (l.inputs !== undefined && Object.keys(l.inputs).length > 0)
    out.push(`  - inputs: ${Object.entries(l.inputs).map(([k, v]) => `${k} ← ${v.stage} (\`${v.key.slice(0, 12)}\`)`).join(", ")}`)
  if (l.config !== undefined) out.push(`  - config: \`${JSON.stringify(l.config)}\``)
  if (l.metrics !== undefined && Object.keys(l.metrics).length > 0) out.push(`  - recorded metrics: \`${JSON.stringify(l.metrics)}\``)
  return out
}

/** everything after the tables: gate, lineage, settings, definitions (also the HTML's details) */
const detailsMarkdown = (r: CompareReport): Array<string> => {
  const md: Array<string> = []
  if (r.gate !== undefined) {
    const g = r.gate
    md.push("## Regression gate", "")
    md.push(`Reference **${g.reference}**, metric \`${gateMetricName(g)}\`, allowed drop ${g.maxDrop}, mode \`${g.mode}\`: **${gateLabel(g)}**`, "")
    if (g.checks.length === 0) md.push("No later model had a value to compare.", "")
    for (const c of g.checks) md.push(`- ${c.model}: ${num(c.value)} vs ${num(c.referenceValue)} (drop ${num(c.drop)})${c.regressed ? " — **regressed**" : ""}`)
    md.push("")
  }
  md.push("## Lineage", "", "### Models", "")
  for (const m of r.models) md.push(...lineageLines(m))
  md.push("", "### Data sets", "")
  for (const d of r.datasets)
    md.push(`- ${d.role}: ${d.artifactKey !== undefined ? `input \`${d.input}\` (artifact \`${d.artifactKey}\`) ` : ""}\`${d.path}\` — ${d.rows} rows, sha256 \`${d.sha256}\``)
  md.push("", "## Settings", "")
  md.push(`- decoding: ${r.decoding.strategy}, max new tokens ${r.decoding.maxNewTokens}, seed ${r.decoding.seed}`)
  md.push(`- bootstrap: ${r.bootstrap.resamples} resamples, seed ${r.bootstrap.seed}, level ${r.bootstrap.level}`)
  for (const set of ["exam", "general"] as const) {
    const s = r[set]
    if (s) md.push(`- ${set}: ${s.shots}-shot, methods ${s.methods.join(", ")}, loglik target ${s.target}`)
  }
  md.push("", "## Metric definitions", "")
  for (const d of r.definitions) md.push(`- **${d.name}**: ${d.definition}`)
  md.push("")
  return md
}

const bySubjectMarkdown = (r: CompareReport): Array<string> => {
  const md: Array<string> = []
  for (const set of ["exam", "general"] as const) {
    const subjects = new Set<string>()
    for (const m of r.models) for (const res of Object.values(m.scores[set] ?? {})) for (const k of Object.keys(res?.bySubject ?? {})) subjects.add(k)
    if (subjects.size === 0) continue
    md.push(`### ${set} by subject`, "")
    md.push(`| subject | method | ${r.models.map((m) => m.name).join(" | ")} |`)
    md.push(`| --- | --- | ${r.models.map(() => "---").join(" | ")} |`)
    for (const s of [...subjects].sort())
      for (const method of ["loglik", "generate"] as const) {
        const vals = r.models.map((m) => m.scores[set]?.[method]?.bySubject[s])
        if (vals.every((v) => v === undefined)) continue
        md.push(`| ${s} | ${method} | ${vals.map((v) => (v ? `${num(v.acc)} (n=${v.n})` : "–")).join(" | ")} |`)
      }
    md.push("")
  }
  return md
}

export const renderMarkdown = (r: CompareReport): string => {
  const rows = metricRows(r.models)
  const names = r.models.map((m) => m.name)
  const md: Array<string> = [`# ${r.title}`, ""]
  md.push(...headlineMarkdown(r, rows))
  md.push("## Results", "")
  md.push(...markdownTable(names, displayRows(rows), { digits: 4 }))
  md.push(
    "",
    "Values in brackets are 95% bootstrap confidence intervals; n is the number of items. A ChatGLM metric is one row when its two empty-prediction conventions agree (no empty answer), two rows where they differ.",
    ""
  )
  md.push(...bySubjectMarkdown(r))
  if (r.leakage !== undefined) md.push(...leakageMarkdown(r.leakage, names))
  md.push(...detailsMarkdown(r))
  return md.join("\n")
}

const htmlTable = (models: ReadonlyArray<string>, rows: ReadonlyArray<MetricRow>, corner: string, digits?: number): string =>
  `<table><thead><tr><th>${escapeXml(corner)}</th>${models.map((m) => `<th>${escapeXml(m)}</th>`).join("")}</tr></thead><tbody>` +
  rows.map((row) => `<tr><td>${escapeXml(labelWithN(row))}</td>${row.values.map((v) => `<td>${escapeXml(formatCell(row, v, digits))}</td>`).join("")}</tr>`).join("") +
  `</tbody></table>`

/** inline markdown emphasis (**x**, `x`) of the verdict sentences as HTML */
const inlineHtml = (s: string): string =>
  escapeXml(s).replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>").replace(/`([^`]+)`/g, "<code>$1</code>")

export const renderHtml = (r: CompareReport): string => {
  const rows = metricRows(r.models)
  const shown = displayRows(rows)
  const names = r.models.map((m) => m.name)
  const e = escapeXml
  const charts = shown
    .map((row) =>
      barChart(
        labelWithN(row),
        r.models.map((m, i) => ({ model: m.name, value: row.values[i]?.value ?? NaN, low: row.values[i]?.low, high: row.values[i]?.high })),
        // rates on their full 0–1 axis; 0–100 scores scaled to the data, so small scores stay visible
        { max: row.max === 1 ? 1 : undefined }
      )
    )
    .join("\n")
  const curves = r.models.flatMap((m) => m.curves.map((c) => ({ name: `${m.name} ${c.name}`, points: c.points })))
  const lossChart = curves.length > 0 ? lineChart("training loss", curves) : "<p>No training-loss curves were recorded by these models.</p>"
  const head = headlineRows(rows)
  const flags = allFlags(r)
  const verdict = (ok: boolean, text: string) => `<li class="${ok ? "ok" : "bad"}">${text}</li>`
  const verdicts = [
    r.gate !== undefined ? verdict(r.gate.passed && gateCaveat(r) === "", `Forgetting gate: ${inlineHtml(gateSentence(r.gate) + gateCaveat(r))}`) : "",
    r.leakage !== undefined ? verdict(r.leakage.verdict === "clean" && r.leakage.complete, `Evaluation data in training data: ${inlineHtml(leakageSentence(r.leakage))}`) : "",
    flags.length === 0 ? verdict(true, "Flags: none") : verdict(false, `Flags:<ul>${flags.map((f) => `<li>${inlineHtml(f)}</li>`).join("")}</ul>`)
  ].join("")
  const md = renderMarkdown(r)
  const from = (h: string) => (md.indexOf(h) >= 0 ? md.indexOf(h) : md.length)
  const leakageMd = r.leakage !== undefined ? md.slice(from("## Leakage"), from("## Regression gate") < md.length ? from("## Regression gate") : from("## Lineage")) : ""
  const tail = md.slice(Math.min(from("## Regression gate"), from("## Lineage")))
  const subjects = bySubjectMarkdown(r).join("\n")
  return `<!doctype html>
<html lang="zh">
<head><meta charset="utf-8"><title>${e(r.title)}</title>
<style>
body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
.headline table{font-size:1.1em}.headline td{font-variant-numeric:tabular-nums}
ul.verdicts{list-style:none;padding-left:0}ul.verdicts>li{margin:.4em 0;padding:.4em .6em;border-left:4px solid #999}
ul.verdicts>li.ok{border-color:#2e7d32;background:#f1f8f1}ul.verdicts>li.bad{border-color:#b00020;background:#fdf0f2}
.charts svg{margin:6px;border:1px solid #eee}pre{white-space:pre-wrap;background:#f7f7f7;padding:1em}
.note{color:#555;font-size:.9em}
</style></head>
<body>
<h1>${e(r.title)}</h1>
<section class="headline">
<h2>Headline</h2>
${head.length > 0 ? htmlTable(names, head, "figure") : ""}
<ul class="verdicts">${verdicts}</ul>
<p class="note">Brackets: 95% bootstrap intervals (${r.bootstrap.resamples} resamples, seed ${r.bootstrap.seed}); n: items in the set.</p>
</section>
<h2>Results</h2>
${htmlTable(names, shown, "metric", 4)}
<p class="note">A ChatGLM metric is one row (and one chart) when its two empty-prediction conventions agree, two where they differ.</p>
<h2>Charts</h2>
<div class="charts">
${charts}
</div>
<h2>Training loss</h2>
<div class="charts">${lossChart}</div>
${leakageMd ? `<h2>Leakage</h2>\n<pre>${e(leakageMd.replace(/^## Leakage\n+/, ""))}</pre>` : ""}
<h2>Details</h2>
<pre>${e((subjects ? subjects + "\n" : "") + tail)}</pre>
</body>
</html>
`
}
