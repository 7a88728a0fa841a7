/**
 * The comparison report: one table of every metric per model (also in metrics.json), bar charts
 * per metric, training-loss curves, the regression gate, lineage of every model and data set, the
 * decoding settings and the metric definitions. Markdown and a self-contained HTML page.
 */
import { METRIC_DEFINITIONS } from "../report/definitions.js"
import type { GateResult } from "../report/gate.js"
import type { DatasetLineage, ModelLineage } from "../report/lineage.js"
import { barChart, type Curve, escapeXml, lineChart } from "../report/svg.js"
import type { ModelScores } from "./evaluateModel.js"

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
  readonly definitions: typeof METRIC_DEFINITIONS
}

export interface MetricRow {
  readonly id: string
  readonly label: string
  /** for charts: the axis maximum (e.g. 1 for rates, 100 for percentages) */
  readonly max?: number
  readonly values: ReadonlyArray<{ readonly value: number; readonly low?: number; readonly high?: number } | undefined>
}

/** every metric of the report as rows (models in report order); ids are stable (metrics.json keys) */
export const metricRows = (models: ReadonlyArray<ReportModel>): Array<MetricRow> => {
  const rows: Array<MetricRow> = []
  const add = (id: string, label: string, max: number | undefined, pick: (s: ModelScores) => MetricRow["values"][number]) => {
    const values = models.map((m) => pick(m.scores))
    if (values.some((v) => v !== undefined)) rows.push({ id, label, max, values })
  }
  for (const set of ["exam", "general"] as const) {
    const name = set === "exam" ? "exam" : "general"
    add(`${set}.loglik.acc`, `${name} acc (loglik)`, 1, (s) => {
      const r = s[set]?.loglik
      return r && { value: r.acc, low: r.accCi.low, high: r.accCi.high }
    })
    add(`${set}.loglik.acc_norm`, `${name} acc_norm (loglik)`, 1, (s) => {
      const r = s[set]?.loglik
      return r && r.accNorm !== undefined ? { value: r.accNorm, low: r.accNormCi?.low, high: r.accNormCi?.high } : undefined
    })
    add(`${set}.generate.acc`, `${name} acc (generate)`, 1, (s) => {
      const r = s[set]?.generate
      return r && { value: r.acc, low: r.accCi.low, high: r.accCi.high }
    })
  }
  for (const [set, prefix, name] of [["qa", "qa", "QA"], ["generalQa", "general_qa", "general QA"]] as const) {
    for (const k of ["rouge-1", "rouge-2", "rouge-l", "bleu-4"] as const) {
      add(`${prefix}.chatglm.${k}`, `${name} ${k.toUpperCase()} (ChatGLM, empty as 0)`, 100, (s) => s[set] && { value: s[set].chatglm.emptyAsZero[k] })
      add(`${prefix}.chatglm_skip.${k}`, `${name} ${k.toUpperCase()} (ChatGLM, skip raising)`, 100, (s) =>
        s[set] && s[set].chatglm.skipRaising.n > 0 ? { value: s[set].chatglm.skipRaising[k] } : undefined
      )
    }
    add(`${prefix}.sacrebleu_zh`, `${name} sacreBLEU zh`, 100, (s) => s[set] && { value: s[set].sacrebleu.score })
    add(`${prefix}.rougeL_char`, `${name} ROUGE-L char F1`, 1, (s) => s[set] && { value: s[set].rougeLChar })
  }
  add("subjective.score_rate", "subjective score rate", 1, (s) => s.subjective && { value: s.subjective.rate })
  return rows
}

const num = (v: number | undefined, digits = 4): string => (v === undefined || !Number.isFinite(v) ? "n/a" : v.toFixed(digits))

const cell = (v: MetricRow["values"][number]): string =>
  v === undefined ? "–" : v.low !== undefined && v.high !== undefined ? `${num(v.value)} [${num(v.low)}, ${num(v.high)}]` : num(v.value)

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

export const renderMarkdown = (r: CompareReport): string => {
  const rows = metricRows(r.models)
  const md: Array<string> = []
  md.push(`# ${r.title}`, "")
  md.push("## Results", "")
  md.push(`| metric | ${r.models.map((m) => m.name).join(" | ")} |`)
  md.push(`| --- | ${r.models.map(() => "---").join(" | ")} |`)
  for (const row of rows) md.push(`| ${row.label} | ${row.values.map(cell).join(" | ")} |`)
  md.push("", "Values in brackets are 95% bootstrap confidence intervals.", "")
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
  if (r.gate !== undefined) {
    const g = r.gate
    md.push("## Regression gate", "")
    md.push(
      `Reference **${g.reference}**, metric \`${g.metric.startsWith("general_qa.") ? g.metric : `general ${g.metric}`}\`, allowed drop ${g.maxDrop}, mode \`${g.mode}\`: **${g.passed ? "PASSED" : g.mode === "fail" ? "FAILED" : "FLAGGED"}**`,
      ""
    )
    if (g.checks.length === 0) md.push("No later model had a value to compare.", "")
    for (const c of g.checks)
      md.push(`- ${c.model}: ${num(c.value)} vs ${num(c.referenceValue)} (drop ${num(c.drop)})${c.regressed ? " — **regressed**" : ""}`)
    md.push("")
  }
  md.push("## Lineage", "", "### Models", "")
  for (const m of r.models) md.push(...lineageLines(m))
  md.push("", "### Data sets", "")
  for (const d of r.datasets)
    md.push(
      `- ${d.role}: ${d.artifactKey !== undefined ? `input \`${d.input}\` (artifact \`${d.artifactKey}\`) ` : ""}\`${d.path}\` — ${d.rows} rows, sha256 \`${d.sha256}\``
    )
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
  return md.join("\n")
}

export const renderHtml = (r: CompareReport): string => {
  const rows = metricRows(r.models)
  const e = escapeXml
  const charts = rows
    .map((row) =>
      barChart(
        row.label,
        r.models.map((m, i) => ({ model: m.name, value: row.values[i]?.value ?? NaN, low: row.values[i]?.low, high: row.values[i]?.high })),
        { max: row.max }
      )
    )
    .join("\n")
  const curves = r.models.flatMap((m) => m.curves.map((c) => ({ name: `${m.name} ${c.name}`, points: c.points })))
  const lossChart = curves.length > 0 ? lineChart("training loss", curves) : "<p>No training-loss curves were recorded by these models.</p>"
  const table =
    `<table><thead><tr><th>metric</th>${r.models.map((m) => `<th>${e(m.name)}</th>`).join("")}</tr></thead><tbody>` +
    rows.map((row) => `<tr><td>${e(row.label)}</td>${row.values.map((v) => `<td>${e(cell(v))}</td>`).join("")}</tr>`).join("") +
    `</tbody></table>`
  // the markdown's prose sections (gate, lineage, settings, definitions) reused as preformatted text
  const md = renderMarkdown(r)
  const tail = md.slice(md.indexOf("## Regression gate") >= 0 ? md.indexOf("## Regression gate") : md.indexOf("## Lineage"))
  return `<!doctype html>
<html lang="zh">
<head><meta charset="utf-8"><title>${e(r.title)}</title>
<style>
body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}
.charts svg{margin:6px;border:1px solid #eee}pre{white-space:pre-wrap;background:#f7f7f7;padding:1em}
.gate-fail{color:#b00020;font-weight:bold}.gate-pass{color:#1b5e20;font-weight:bold}
</style></head>
<body>
<h1>${e(r.title)}</h1>
${r.gate ? `<p class="${r.gate.passed ? "gate-pass" : "gate-fail"}">Regression gate: ${r.gate.passed ? "passed" : r.gate.mode === "fail" ? "FAILED" : "flagged"}</p>` : ""}
<h2>Results</h2>
${table}
<p>Values in brackets are 95% bootstrap confidence intervals.</p>
<h2>Charts</h2>
<div class="charts">
${charts}
</div>
<h2>Training loss</h2>
<div class="charts">${lossChart}</div>
<h2>Details</h2>
<pre>${e(tail)}</pre>
</body>
</html>
`
}
