import { describe, expect, it } from "vitest"
import { benchEngine, formatTable } from "../src/engine.js"

describe("engine benchmark", () => {
  it("runs a generated workflow cold, cached and planned, plans over a large input twice, and tabulates the figures", async () => {
    const rows = await benchEngine({ stages: 30, inputMiB: 2 })
    expect(rows.map((r) => r.name)).toEqual([
      "engine: cold run, 30 no-op stages",
      "engine: fully cached re-run, 30 stages",
      "engine: plan, 30 stages",
      "engine: plan over a 2 MiB input, first",
      "engine: plan over a 2 MiB input, again"
    ])
    for (const r of rows) expect(r.value).toBeGreaterThanOrEqual(0)
    expect(rows[4]!.note).toMatch(/^hash cache: \d+× faster$/)
    expect(formatTable(rows).split("\n")).toHaveLength(6)
  })
})
