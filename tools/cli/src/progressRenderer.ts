/**
 * Shows run events: `--json` prints each event as one line on stdout; a TTY gets live progress bars
 * with ETA on stderr; anything else (CI logs, pipes) gets one plain line per stage change on stderr.
 */
import type { RunEvent } from "@zaoji/core"

export interface Renderer {
  readonly onEvent: (e: RunEvent) => void
  readonly close: () => void
}

export const jsonRenderer = (out: NodeJS.WritableStream = process.stdout): Renderer => ({
  onEvent: (e) => void out.write(JSON.stringify(e) + "\n"),
  close: () => {}
})

const fmtEta = (s: number | undefined) =>
  s === undefined ? "" : s >= 3600 ? `ETA ${Math.floor(s / 3600)}h${Math.round((s % 3600) / 60)}m` : s >= 60 ? `ETA ${Math.floor(s / 60)}m${Math.round(s % 60)}s` : `ETA ${Math.ceil(s)}s`

const bar = (done: number, total: number, width = 24) => {
  const f = total > 0 ? Math.min(1, done / total) : 0
  const n = Math.round(f * width)
  return `[${"█".repeat(n)}${"░".repeat(width - n)}] ${String(Math.floor(f * 100)).padStart(3)}%`
}

const ICON: Record<string, string> = { cached: "•", running: "›", done: "✓", failed: "✗", retrying: "↻", skipped: "-" }

export const plainRenderer = (err: NodeJS.WritableStream = process.stderr): Renderer => ({
  onEvent: (e) => {
    if (e.type === "stage") {
      const extra = e.status === "retrying" ? ` (attempt ${e.attempt} failed: ${e.error}; retrying in ${e.delayMs} ms)` : e.status === "failed" ? `: ${e.error}` : e.status === "running" && e.attempt && e.attempt > 1 ? ` (attempt ${e.attempt})` : ""
      err.write(`${ICON[e.status] ?? " "} ${e.stage} ${e.status}${extra}\n`)
    } else if (e.type === "log" && (e.level === "warn" || e.level === "error")) {
      err.write(`  ${e.stage} ${e.level}: ${e.message}\n`)
    } else if (e.type === "run" && e.status !== "started") {
      err.write(`run ${e.run} ${e.status}\n`)
    }
  },
  close: () => {}
})

/** Live bars, redrawn at most ten times a second; log lines scroll above them. */
export const ttyRenderer = (err: NodeJS.WriteStream = process.stderr): Renderer => {
  const rows = new Map<string, { status: string; text: string }>()
  let drawn = 0
  let timer: NodeJS.Timeout | undefined
  const width = () => Math.max(40, (err.columns || 100) - 1)
  const clear = () => {
    if (drawn > 0) err.write(`\x1b[${drawn}A\x1b[0J`)
    drawn = 0
  }
  const draw = () => {
    timer = undefined
    clear()
    const idWidth = Math.min(24, Math.max(...[...rows.keys()].map((k) => k.length), 4))
    for (const [id, r] of rows) err.write(`${ICON[r.status] ?? " "} ${id.padEnd(idWidth)} ${r.text}`.slice(0, width()) + "\n")
    drawn = rows.size
  }
  const schedule = () => {
    if (!timer) timer = setTimeout(draw, 100)
  }
  return {
    onEvent: (e) => {
      if (e.type === "stage") {
        const text =
          e.status === "retrying" ? `retrying in ${e.delayMs} ms (attempt ${e.attempt}: ${e.error})`
          : e.status === "failed" ? `failed: ${e.error}`
          : e.status === "done" ? `done${e.durationMs !== undefined ? ` in ${(e.durationMs / 1000).toFixed(1)}s` : ""}`
          : e.status
        rows.set(e.stage, { status: e.status, text })
        schedule()
      } else if (e.type === "progress") {
        const r = rows.get(e.stage)
        if (r && r.status !== "running") return
        rows.set(e.stage, { status: "running", text: `${bar(e.done, e.total)} ${e.done}/${e.total} ${e.unit} ${fmtEta(e.etaSeconds)}` })
        schedule()
      } else if (e.type === "log" && e.level !== "debug") {
        clear()
        err.write(`  ${e.stage} ${e.level}: ${e.message}\n`)
        schedule()
      }
    },
    close: () => {
      if (timer) clearTimeout(timer)
      draw()
    }
  }
}

export const pickRenderer = (json: boolean): Renderer =>
  json ? jsonRenderer() : process.stderr.isTTY ? ttyRenderer(process.stderr) : plainRenderer()
