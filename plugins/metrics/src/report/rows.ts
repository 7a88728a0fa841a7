/**
 * The comparison's numbers as rows: one row per metric id (the keys of metrics.json's `summary`),
 * each with a value, a 95% bootstrap interval and the set size n per model; the rows a reader
 * sees (the two ChatGLM empty-prediction conventions merged when they agree); and the headline
 * rows (the figures the paper reports). Everything here works on metrics.json's `models[].scores`,
 * so `zaoji report` renders exactly what the stage rendered.
 */
import type { Interval } from "../exam/bootstrap.js"
import type { ExamSummary, ModelScores } from "../compare/evaluateModel.js"
import { QA_KEYS } from "../text/qaMetrics.js"

export interface MetricValue {
  readonly value: number
  readonly low?: number
  readonly high?: number
  /** items the value is computed over */
  readonly n?: number
}

export interface MetricRow {
  readonly id: string
  readonly label: string
  /** for charts: the axis maximum (1 for rates, 100 for percentages) */
  readonly max?: number
  readonly values: ReadonlyArray<MetricValue | undefined>
}

const withCi = (value: number, ci: Interval | undefined, n: number | undefined): MetricValue => ({
  value,
  ...(ci !== undefined && Number.isFinite(ci.low) && Number.isFinite(ci.high) ? { low: ci.low, high: ci.high } : {}),
  ...(n !== undefined ? { n } : {})
})

const QA_SETS = [
  ["qa", "qa", "QA"],
  ["generalQa", "general_qa", "general QA"]
] as const

/** every metric of the report as rows (models in report order); ids are stable (metrics.json keys) */
export const metricRows = (models: ReadonlyArray<{ readonly scores: ModelScores }>): Array<MetricRow> => {
  const rows: Array<MetricRow> = []
  const add = (id: string, label: string, max: number | undefined, pick: (s: ModelScores) => MetricValue | undefined) => {
    const values = models.map((m) => pick(m.scores))
    if (values.some((v) => v !== undefined)) rows.push({ id, label, max, values })
  }
  for (const set of ["exam", "general"] as const) {
    const exam = (s: ModelScores, method: "loglik" | "generate"): ExamSummary | undefined => s[set]?.[method]
    add(`${set}.loglik.acc`, `${set} acc (loglik)`, 1, (s) => {
      const r = exam(s, "loglik")
      return r && withCi(r.acc, r.accCi, r.n)
    })
    add(`${set}.loglik.acc_norm`, `${set} acc_norm (loglik)`, 1, (s) => {
      const r = exam(s, "loglik")
      return r && r.accNorm !== undefined ? withCi(r.accNorm, r.accNormCi, r.n) : undefined
    })
    add(`${set}.generate.acc`, `${set} acc (generate)`, 1, (s) => {
      const r = exam(s, "generate")
      return r && withCi(r.acc, r.accCi, r.n)
    })
  }
  for (const [set, prefix, name] of QA_SETS) {
    for (const k of QA_KEYS) {
      add(`${prefix}.chatglm.${k}`, `${name} ${k.toUpperCase()} (ChatGLM, empty as 0)`, 100, (s) => {
        const q = s[set]
        return q && withCi(q.chatglm.emptyAsZero[k], q.ci?.[`chatglm.${k}`], q.n)
      })
      add(`${prefix}.chatglm_skip.${k}`, `${name} ${k.toUpperCase()} (ChatGLM, skip raising)`, 100, (s) => {
        const q = s[set]
        return q && q.chatglm.skipRaising.n > 0 ? withCi(q.chatglm.skipRaising[k], q.ci?.[`chatglm_skip.${k}`], q.chatglm.skipRaising.n) : undefined
      })
    }
    add(`${prefix}.sacrebleu_zh`, `${name} sacreBLEU zh`, 100, (s) => s[set] && withCi(s[set].sacrebleu.score, s[set].ci?.sacrebleu_zh, s[set].n))
    add(`${prefix}.rougeL_char`, `${name} ROUGE-L char F1`, 1, (s) => s[set] && withCi(s[set].rougeLChar, s[set].ci?.rougeL_char, s[set].n))
  }
  add("subjective.score_rate", "subjective score rate", 1, (s) => s.subjective && { value: s.subjective.rate, n: s.subjective.n })
  return rows
}

const sameValues = (a: MetricRow, b: MetricRow): boolean =>
  a.values.length === b.values.length && a.values.every((v, i) => (v === undefined) === (b.values[i] === undefined) && (v === undefined || v.value === b.values[i]!.value))

/**
 * The rows a reader sees: a ChatGLM metric's two empty-prediction conventions as one row (labelled
 * "(ChatGLM)") when they give the same value for every model — no prediction made rouge_chinese
 * raise —, and both rows only where they differ.
 */
export const displayRows = (rows: ReadonlyArray<MetricRow>): Array<MetricRow> => {
  const byId = new Map(rows.map((r) => [r.id, r]))
  const out: Array<MetricRow> = []
  for (const r of rows) {
    const skipId = r.id.replace(".chatglm.", ".chatglm_skip.")
    if (r.id.includes(".chatglm_skip.")) {
      const main = byId.get(r.id.replace(".chatglm_skip.", ".chatglm."))
      if (main !== undefined && sameValues(main, r)) continue
      out.push(r)
    } else if (r.id.includes(".chatglm.")) {
      const skip = byId.get(skipId)
      out.push(skip !== undefined && sameValues(r, skip) ? { ...r, label: r.label.replace(", empty as 0)", ")") } : r)
    } else out.push(r)
  }
  return out
}

/** the headline: the figures the paper reports, first present of each group */
const HEADLINE: ReadonlyArray<readonly [ids: ReadonlyArray<string>, label: string]> = [
  [["exam.loglik.acc", "exam.generate.acc"], "specialty exam accuracy"],
  [["qa.chatglm.rouge-l"], "held-out specialty QA ROUGE-L (ChatGLM)"],
  [["qa.chatglm.bleu-4"], "held-out specialty QA BLEU-4 (ChatGLM)"],
  [["general_qa.chatglm.rouge-l"], "held-out general QA ROUGE-L (ChatGLM)"],
  [["general.loglik.acc", "general.generate.acc"], "general exam accuracy"],
  [["subjective.score_rate"], "subjective score rate"]
]

export const headlineRows = (rows: ReadonlyArray<MetricRow>): Array<MetricRow> =>
  HEADLINE.flatMap(([ids, label]) => {
    const row = ids.map((id) => rows.find((r) => r.id === id)).find((r) => r !== undefined)
    if (row === undefined) return []
    const method = row.id.endsWith(".generate.acc") ? " (generate)" : row.id.endsWith(".loglik.acc") ? " (loglik)" : ""
    return [{ ...row, label: label + method }]
  })

/** the set size of a row when every model has the same one */
export const rowN = (row: MetricRow): number | undefined => {
  const ns = new Set(row.values.flatMap((v) => (v?.n !== undefined ? [v.n] : [])))
  return ns.size === 1 ? [...ns][0] : undefined
}

/** a row's label with its set size ("…, n=40"); when models differ in n, each cell says its own */
export const labelWithN = (row: MetricRow): string => {
  const n = rowN(row)
  return n !== undefined ? `${row.label}, n=${n}` : row.label
}

/** digits for a value: rates in [0, 1] with 3 places, 0–100 scores with 2, or as asked */
export const formatNumber = (v: number | undefined, row: Pick<MetricRow, "max">, digits?: number): string =>
  v === undefined || !Number.isFinite(v) ? "n/a" : v.toFixed(digits ?? (row.max === 1 ? 3 : 2))

/** "value [low, high]" (and "(n=…)" when the row's models differ in n) */
export const formatCell = (row: MetricRow, v: MetricValue | undefined, digits?: number): string => {
  if (v === undefined) return "–"
  const ci = v.low !== undefined && v.high !== undefined ? ` [${formatNumber(v.low, row, digits)}, ${formatNumber(v.high, row, digits)}]` : ""
  const n = rowN(row) === undefined && v.n !== undefined ? ` (n=${v.n})` : ""
  return `${formatNumber(v.value, row, digits)}${ci}${n}`
}

/** a markdown table of rows: metrics down, models across */
export const markdownTable = (models: ReadonlyArray<string>, rows: ReadonlyArray<MetricRow>, opts: { readonly digits?: number; readonly corner?: string } = {}): Array<string> => [
  `| ${opts.corner ?? "metric"} | ${models.join(" | ")} |`,
  `| --- | ${models.map(() => "---:").join(" | ")} |`,
  ...rows.map((r) => `| ${labelWithN(r)} | ${r.values.map((v) => formatCell(r, v, opts.digits)).join(" | ")} |`)
]

/** the same table in aligned plain text, for a terminal */
export const textTable = (models: ReadonlyArray<string>, rows: ReadonlyArray<MetricRow>, opts: { readonly digits?: number } = {}): Array<string> => {
  const cells = rows.map((r) => [labelWithN(r), ...r.values.map((v) => formatCell(r, v, opts.digits))])
  const header = ["metric", ...models]
  const width = header.map((h, c) => Math.max(h.length, ...cells.map((row) => row[c]!.length)))
  const line = (cols: ReadonlyArray<string>) => cols.map((x, c) => (c === 0 ? x.padEnd(width[c]!) : x.padStart(width[c]!))).join("  ").trimEnd()
  return [line(header), ...cells.map(line)]
}
