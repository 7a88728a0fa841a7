/**
 * The results table of a `metrics.compare` run, rendered from its `metrics.json` alone (what
 * `zaoji report` prints): metrics down, models across, each cell "value [low, high]" (95% bootstrap
 * interval) with the set size n in the row label, then one line each for the forgetting gate, the
 * leakage check and the flags. Markdown for pasting into a README, or aligned text for a terminal.
 */
import { Either, ParseResult, Schema } from "effect"
import type { ModelScores } from "../compare/evaluateModel.js"
import type { GateResult } from "./gate.js"
import { displayRows, headlineRows, markdownTable, metricRows, textTable } from "./rows.js"

/** what this reader needs of metrics.json (every metrics.compare version has these fields) */
const MetricsFile = Schema.Struct({
  schema: Schema.String.pipe(Schema.startsWith("zaoji.metrics.compare/")),
  title: Schema.String,
  models: Schema.Array(Schema.Struct({ name: Schema.String, scores: Schema.Object })).pipe(Schema.minItems(1)),
  bootstrap: Schema.optional(Schema.Struct({ resamples: Schema.Number, seed: Schema.Number })),
  gate: Schema.optional(Schema.Object),
  leakage: Schema.optional(
    Schema.Struct({
      verdict: Schema.Literal("clean", "allowed", "leaked"),
      maxFraction: Schema.Number,
      complete: Schema.Boolean,
      checks: Schema.Array(Schema.Struct({ set: Schema.String, label: Schema.String, model: Schema.String, n: Schema.Number, overlapping: Schema.Number, fraction: Schema.Number }))
    })
  ),
  flags: Schema.optional(Schema.Array(Schema.Struct({ model: Schema.String, kind: Schema.String, message: Schema.String })))
})
type MetricsFile = typeof MetricsFile.Type

/** decode a parsed metrics.json; Left: what is wrong with it, one line per field */
export const decodeMetricsFile = (json: unknown): Either.Either<MetricsFile, string> =>
  Either.mapLeft(Schema.decodeUnknownEither(MetricsFile, { errors: "all" })(json), (e) =>
    ParseResult.ArrayFormatter.formatErrorSync(e)
      .map((i) => `${i.path.length > 0 ? i.path.join(".") : "(top level)"}: ${i.message}`)
      .join("; ")
  )

export interface ResultsOptions {
  readonly format: "markdown" | "text"
  /** only the headline figures (exam accuracy, held-out QA ROUGE-L/BLEU-4, general QA ROUGE-L, …) */
  readonly headline?: boolean
  /** digits after the point (default: 3 for rates, 2 for 0–100 scores) */
  readonly digits?: number
}

const pct = (f: number) => `${(100 * f).toFixed(1)}%`

/** a gate judged on items some model trained on (allowed leakage) says so */
const gateCaveat = (g: GateResult, l: MetricsFile["leakage"]): string => {
  const set = g.metric.startsWith("general_qa.") ? "general_qa" : "general"
  const seen = (l?.checks ?? []).filter((c) => c.set === set && c.overlapping > 0)
  return seen.length === 0 ? "" : ` (caution: judged on ${seen[0]!.label} items that ${seen.map((c) => `${c.model} (${c.overlapping} of ${c.n})`).join(", ")} trained on)`
}

const verdictLines = (m: MetricsFile): Array<string> => {
  const lines: Array<string> = []
  const g = m.gate as GateResult | undefined
  if (g !== undefined && Array.isArray(g.checks))
    lines.push(
      `forgetting gate (${g.metric}, allowed drop ${g.maxDrop} vs ${g.reference}): ${g.passed ? "passed" : g.mode === "fail" ? "FAILED" : "flagged"}` +
        (g.checks.some((c) => c.regressed) ? ` — regressed: ${g.checks.filter((c) => c.regressed).map((c) => c.model).join(", ")}` : "") +
        gateCaveat(g, m.leakage)
    )
  const l = m.leakage
  if (l !== undefined) {
    const worst = l.checks.reduce<(typeof l.checks)[number] | undefined>((a, b) => (a === undefined || b.fraction > a.fraction ? b : a), undefined)
    lines.push(
      l.verdict === "clean"
        ? `evaluation data in training data: none${l.complete ? "" : " (incomplete: some lineage could not be read)"}`
        : `evaluation data in training data: ${l.verdict === "allowed" ? `within the allowed ${pct(l.maxFraction)}` : "LEAKED"} — worst ${worst!.label} × ${worst!.model}: ${worst!.overlapping} of ${worst!.n} (${pct(worst!.fraction)})`
    )
  } else lines.push("evaluation data in training data: not checked (metrics.json from before the leakage check)")
  const flags = m.flags ?? []
  if (flags.length === 0) lines.push("flags: none")
  else lines.push("flags:", ...flags.map((f) => `  ${f.kind}: ${f.message}`))
  return lines
}

/** verdict lines as a markdown list (flags nested under their heading) */
const markdownList = (lines: ReadonlyArray<string>): Array<string> =>
  lines.map((l) => (l.startsWith("  ") ? `  - ${l.trimStart()}` : `- ${l[0]!.toUpperCase()}${l.slice(1)}`))

/** the results table and verdicts of a metrics.json, as text */
export const renderResults = (m: MetricsFile, opts: ResultsOptions): string => {
  const models = m.models.map((x) => x.name)
  const all = metricRows(m.models.map((x) => ({ scores: x.scores as ModelScores })))
  const rows = opts.headline ? headlineRows(all) : displayRows(all)
  const boot = m.bootstrap !== undefined ? ` (${m.bootstrap.resamples} resamples, seed ${m.bootstrap.seed})` : ""
  const legend = `value [95% bootstrap interval]${boot}; n = items in the set`
  if (opts.format === "markdown")
    return [
      ...markdownTable(models, rows, { digits: opts.digits }),
      "",
      `Cells: ${legend}.`,
      "",
      ...markdownList(verdictLines(m)),
      ""
    ].join("\n")
  return [m.title, "", ...textTable(models, rows, { digits: opts.digits }), "", `cells: ${legend}`, ...verdictLines(m), ""].join("\n")
}
