import { PassThrough } from "node:stream"
import { describe, expect, it } from "vitest"
import { jsonRenderer, plainRenderer, ttyRenderer } from "../src/index.js"

const sink = () => {
  const s = new PassThrough()
  let text = ""
  s.on("data", (d) => (text += d))
  return { stream: Object.assign(s, { columns: 100, isTTY: true }) as unknown as NodeJS.WriteStream, text: () => text }
}

describe("progress renderers", () => {
  it("TTY: a bar with counts and ETA per running stage, redrawn in place", async () => {
    const out = sink()
    const r = ttyRenderer(out.stream)
    r.onEvent({ type: "stage", stage: "a", status: "cached", key: "k", plugin: "p" })
    r.onEvent({ type: "stage", stage: "train", status: "running", key: "k", plugin: "p", attempt: 1 })
    r.onEvent({ type: "progress", stage: "train", done: 3, total: 12, unit: "steps", etaSeconds: 95 })
    r.onEvent({ type: "log", stage: "train", level: "warn", message: "loss spiked" })
    r.close()
    await new Promise((res) => setImmediate(res))
    const text = out.text()
    expect(text).toContain("  train warn: loss spiked\n")
    expect(text.endsWith("• a     cached\n› train [██████░░░░░░░░░░░░░░░░░░]  25% 3/12 steps ETA 1m35s\n")).toBe(true)
  })

  it("plain: one line per stage change; JSON: one object per line", async () => {
    const err = sink()
    const p = plainRenderer(err.stream)
    p.onEvent({ type: "stage", stage: "q", status: "retrying", key: "k", plugin: "p", attempt: 1, delayMs: 500, error: "HTTP 429" })
    p.onEvent({ type: "progress", stage: "q", done: 1, total: 2, unit: "items" })
    const out = sink()
    const j = jsonRenderer(out.stream)
    j.onEvent({ type: "progress", stage: "q", done: 1, total: 2, unit: "items" })
    await new Promise((res) => setImmediate(res))
    expect(err.text()).toBe("↻ q retrying (attempt 1 failed: HTTP 429; retrying in 500 ms)\n")
    expect(JSON.parse(out.text())).toEqual({ type: "progress", stage: "q", done: 1, total: 2, unit: "items" })
  })
})
