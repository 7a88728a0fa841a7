import { describe, expect, it } from "vitest"
import { benchEngine, formatTable } from "../src/engine.js"

describe("engine benchmark", () => {
  it("runs a generated workflow cold, cached and planned, and tabulates the three figures", async () => {
    const rows = await benchEngine({ stages: 30 })
    expect(rows.map((r) => r.name)).toEqual([
      "engine: cold run, 30 no-op stages",
      "engine: fully cached re-run, 30 stages",
      "engine: plan, 30 stages"
    ])
    for (const r of rows) expect(r.value).toBeGreaterThanOrEqual(0)
    expect(formatTable(rows).split("\n")).toHaveLength(4)
  })
})
