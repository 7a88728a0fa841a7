/**
 * A corrupt input file given to the hepatobiliary workflow through --set: exit code 2, the file and
 * line of each problem, no stack trace, nothing half-written in the store.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { repoRoot } from "../engine/cliProcess.js"
import { explain, runHepatobiliary, stageEvents, tempStore } from "../support/hepatobiliary.js"

const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)

const entries = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir) : [])

/** a copy of a sample data file whose lines `broken` (1-based) are cut in the middle of their JSON */
const breakLine = (dir: string, name: string, ...broken: ReadonlyArray<number>): string => {
  const lines = fs.readFileSync(path.join(repoRoot, "workflows/data", name), "utf8").split("\n")
  for (const line of broken) lines[line - 1] = lines[line - 1]!.slice(0, Math.floor(lines[line - 1]!.length / 2))
  const file = path.join(dir, name)
  fs.writeFileSync(file, lines.join("\n"))
  return file
}

describe("corrupt input files (child process)", () => {
  it("a broken JSON line in the knowledge graph and in the records: exit 2 naming file:line of each, no stack trace", async () => {
    const store = tempStore("corrupt")
    const data = path.dirname(store)
    const kg = breakLine(data, "kg.jsonl", 5)
    // two broken rows: one of the 126 sample records would stay under the readers' 1% error allowance
    const records = breakLine(data, "records.jsonl", 12, 13)
    const r = await runHepatobiliary(store, { set: [`kg.source=${kg}`, `records.source=${records}`], args: ["--only", "kg", "--only", "records"] })
    expect(r.code, explain(r)).toBe(2)
    expect(r.stderr).toContain(`${kg}:5:`)
    expect(r.stderr).toContain(`${records}:12:`)
    expect(r.stderr).toMatch(/expected one JSON object per line/)
    noStackTrace(r.stderr)
    expect(r.events.at(-1)).toMatchObject({ type: "error", exitCode: 2 })
    expect(stageEvents(r, "failed").map((e) => e.stage).sort()).toEqual(["kg", "records"])
    expect(stageEvents(r, "failed").every((e) => e.errorTag === undefined || e.errorTag === "InputError")).toBe(true)
    // nothing half-written: no artifact, no temp folder
    for (const sub of ["artifacts", "tmp"]) expect(entries(path.join(store, sub)), sub).toEqual([])
  })
})

describe("a malformed evaluation set (child process)", () => {
  it("is found before anything runs, although only the last stage reads it: exit 2 naming file:line, no stage started", async () => {
    const store = tempStore("bad-exam")
    const data = path.dirname(store)
    const exam = breakLine(data, "exam.jsonl", 7)
    const r = await runHepatobiliary(store, { set: [`eval.exam.file=${exam}`] })
    expect(r.code, explain(r)).toBe(2)
    expect(r.stderr).toContain("eval: ")
    expect(r.stderr).toContain(`${exam}:7`)
    noStackTrace(r.stderr)
    expect(stageEvents(r)).toEqual([])
    expect(entries(path.join(store, "artifacts"))).toEqual([])
  })
})
