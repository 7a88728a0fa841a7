import { describe, expect, it } from "vitest"
import { runInChild } from "../src/inChild.js"

const mod = new URL("./fixtures/childModule.ts", import.meta.url)

describe("runInChild", () => {
  it("runs the export in another process and returns typed arrays as they were", async () => {
    const got = await runInChild<{ pid: number; data: Float32Array }>(mod, "scaled", [[1, 2, 3], 0.5])
    expect(got.pid).not.toBe(process.pid)
    expect(got.data).toBeInstanceOf(Float32Array)
    expect([...got.data]).toEqual([0.5, 1, 1.5])
  })

  it("rejects with the child's error message, a missing export, and a child that exits without answering", async () => {
    await expect(runInChild(mod, "fails", [])).rejects.toThrow(/fails\(\) of fixtures\/childModule\.ts in a child process failed: the case found something wrong/)
    await expect(runInChild(mod, "absent", [])).rejects.toThrow(/has no exported function "absent"/)
    await expect(runInChild(mod, "crashes", [])).rejects.toThrow(/ended without an answer \(exit code 3\)/)
  })
})
