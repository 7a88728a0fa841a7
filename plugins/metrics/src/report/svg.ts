/**
 * Self-contained SVG charts for the HTML report (no scripts, no external fonts or files):
 * grouped bars (one group per metric, one bar per model, optional 95% interval whiskers) and
 * line charts (training loss per step, one line per model).
 */

const PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7"]

export const colorOf = (i: number): string => PALETTE[i % PALETTE.length]

export const escapeXml = (s: string): string =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;")

const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3))

/** a "nice" axis maximum ≥ v (1, 2, 2.5, 5 × 10^k) */
export const niceMax = (v: number): number => {
  if (!(v > 0)) return 1
  const p = 10 ** Math.floor(Math.log10(v))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p
  return 10 * p
}

export interface Bar {
  readonly model: string
  readonly value: number
  readonly low?: number
  readonly high?: number
}

/** one metric: a bar per model, with whiskers where an interval is given */
export const barChart = (title: string, bars: ReadonlyArray<Bar>, opts: { readonly max?: number; readonly unit?: string } = {}): string => {
  const W = 120 + bars.length * 90
  const H = 260
  const left = 50
  const top = 36
  const plotH = 170
  const finite = bars.filter((b) => Number.isFinite(b.value))
  const max = opts.max ?? niceMax(Math.max(0, ...finite.map((b) => Math.max(b.value, b.high ?? b.value))))
  const y = (v: number) => top + plotH - (Math.max(0, Math.min(v, max)) / max) * plotH
  const parts: Array<string> = []
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeXml(title)}">`)
  parts.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-family="sans-serif">${escapeXml(title)}</text>`)
  for (let k = 0; k <= 4; k++) {
    const v = (max * k) / 4
    parts.push(`<line x1="${left}" x2="${W - 10}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`)
    parts.push(`<text x="${left - 4}" y="${y(v) + 4}" text-anchor="end" font-size="10" font-family="sans-serif">${fmt(v)}</text>`)
  }
  bars.forEach((b, i) => {
    const x = left + 20 + i * 90
    if (Number.isFinite(b.value)) {
      parts.push(
        `<rect x="${x}" y="${y(b.value)}" width="50" height="${top + plotH - y(b.value)}" fill="${colorOf(i)}"><title>${escapeXml(`${b.model}: ${b.value}`)}</title></rect>`
      )
      // the value sits above the bar and its whisker, so the interval never strikes through it
      const peak = b.high !== undefined && Number.isFinite(b.high) ? Math.max(b.value, b.high) : b.value
      parts.push(`<text x="${x + 25}" y="${y(peak) - 4}" text-anchor="middle" font-size="10" font-family="sans-serif">${fmt(b.value)}${opts.unit ?? ""}</text>`)
    } else parts.push(`<text x="${x + 25}" y="${top + plotH - 4}" text-anchor="middle" font-size="10" font-family="sans-serif">n/a</text>`)
    if (b.low !== undefined && b.high !== undefined && Number.isFinite(b.low) && Number.isFinite(b.high)) {
      parts.push(`<line x1="${x + 25}" x2="${x + 25}" y1="${y(b.low)}" y2="${y(b.high)}" stroke="#222" stroke-width="1.5"/>`)
      for (const v of [b.low, b.high]) parts.push(`<line x1="${x + 18}" x2="${x + 32}" y1="${y(v)}" y2="${y(v)}" stroke="#222" stroke-width="1.5"/>`)
    }
    parts.push(`<text x="${x + 25}" y="${top + plotH + 16}" text-anchor="middle" font-size="11" font-family="sans-serif">${escapeXml(b.model)}</text>`)
  })
  parts.push(`<line x1="${left}" x2="${W - 10}" y1="${top + plotH}" y2="${top + plotH}" stroke="#333"/>`)
  parts.push(`</svg>`)
  return parts.join("")
}

export interface Curve {
  readonly name: string
  readonly points: ReadonlyArray<{ readonly step: number; readonly loss: number }>
}

/** loss against step, one polyline per curve, with a legend */
export const lineChart = (title: string, curves: ReadonlyArray<Curve>): string => {
  const W = 560
  const H = 300
  const left = 56
  const top = 36
  const plotW = W - left - 130
  const plotH = 210
  const pts = curves.flatMap((c) => c.points).filter((p) => Number.isFinite(p.loss) && Number.isFinite(p.step))
  const maxStep = Math.max(1, ...pts.map((p) => p.step))
  const minStep = Math.min(maxStep - 1, ...pts.map((p) => p.step))
  const maxLoss = niceMax(Math.max(0, ...pts.map((p) => p.loss)))
  const x = (s: number) => left + ((s - minStep) / (maxStep - minStep)) * plotW
  const y = (v: number) => top + plotH - (v / maxLoss) * plotH
  const parts: Array<string> = []
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${escapeXml(title)}">`)
  parts.push(`<text x="${W / 2}" y="20" text-anchor="middle" font-size="14" font-family="sans-serif">${escapeXml(title)}</text>`)
  for (let k = 0; k <= 4; k++) {
    const v = (maxLoss * k) / 4
    parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`)
    parts.push(`<text x="${left - 4}" y="${y(v) + 4}" text-anchor="end" font-size="10" font-family="sans-serif">${fmt(v)}</text>`)
  }
  parts.push(`<text x="${left}" y="${top + plotH + 16}" font-size="10" font-family="sans-serif">step ${minStep}</text>`)
  parts.push(`<text x="${left + plotW}" y="${top + plotH + 16}" text-anchor="end" font-size="10" font-family="sans-serif">${maxStep}</text>`)
  curves.forEach((c, i) => {
    const ps = c.points.filter((p) => Number.isFinite(p.loss))
    if (ps.length > 0)
      parts.push(
        `<polyline fill="none" stroke="${colorOf(i)}" stroke-width="1.5" points="${ps.map((p) => `${x(p.step).toFixed(1)},${y(p.loss).toFixed(1)}`).join(" ")}"><title>${escapeXml(c.name)}</title></polyline>`
      )
    parts.push(`<rect x="${left + plotW + 14}" y="${top + i * 18}" width="12" height="12" fill="${colorOf(i)}"/>`)
    parts.push(`<text x="${left + plotW + 30}" y="${top + i * 18 + 10}" font-size="11" font-family="sans-serif">${escapeXml(c.name)}</text>`)
  })
  parts.push(`<line x1="${left}" x2="${left + plotW}" y1="${top + plotH}" y2="${top + plotH}" stroke="#333"/>`)
  parts.push(`</svg>`)
  return parts.join("")
}
