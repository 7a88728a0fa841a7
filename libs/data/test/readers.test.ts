import { mkdtempSync, writeFileSync, readdirSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Either, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { ClinicalRecord, ExamQuestion, KgEntry, QaPair, readRows, writeJsonl } from "../src/index.js"

const dir = mkdtempSync(join(tmpdir(), "zaoji-data-"))
const file = (name: string, content: string) => {
  const p = join(dir, name)
  writeFileSync(p, content)
  return p
}
const run = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(Effect.either(e))

describe("JSONL reader", () => {
  it("decodes rows, fills defaults and reports line numbers", async () => {
    const p = file("ok.jsonl", '{"name":"胆囊炎","symptoms":["右上腹痛"]}\n\n{"name":"胆石症","drugs":null}\n')
    const r = await run(readRows(p, KgEntry))
    expect(Either.isRight(r)).toBe(true)
    const res = Either.getOrThrow(r)
    expect(res.rows.map((x) => x.name)).toEqual(["胆囊炎", "胆石症"])
    expect(res.lines).toEqual([1, 3])
    expect(res.rows[1]!.drugs).toEqual([])
    expect(res.rows[0]!.type).toBe("disease")
  })

  it("names file:line and field of a bad row and fails past the error ratio", async () => {
    const p = file("bad.jsonl", '{"name":"a"}\n{"name":"b","symptoms":"x"}\nnot json\n{"name":"c"}\n')
    const r = await run(readRows(p, KgEntry))
    expect(Either.isLeft(r)).toBe(true)
    const err = Either.getLeft(r).pipe((o) => (o._tag === "Some" ? o.value : undefined))!
    expect(err._tag).toBe("InputError")
    expect(err.message).toContain(`${p}:2 field "symptoms"`)
    expect(err.message).toContain(`${p}:3`)
    expect(err.message).toContain("2 of 4 rows are invalid")
    expect(err.location).toBe(`${p}:2`)
    const ok = Either.getOrThrow(await run(readRows(p, KgEntry, { maxErrorRatio: 0.5 })))
    expect(ok.rows.length).toBe(2)
    expect(ok.bad).toBe(2)
    expect(ok.errors.map((e) => [e.line, e.field])).toEqual([
      [2, "symptoms"],
      [3, ""]
    ])
  })

  it("missing file is an InputError naming the file", async () => {
    const r = await run(readRows(join(dir, "nope.jsonl"), QaPair))
    const err = Either.getLeft(r).pipe((o) => (o._tag === "Some" ? o.value : undefined))!
    expect(err.message).toContain("nope.jsonl")
    expect(err.message).toContain("no such file")
  })
})

describe("JSON array reader", () => {
  it("reports the line each element starts on", async () => {
    const p = file("arr.json", '[\n  {"id":"1","question":"q","answer":"a"},\n  {"id":"2",\n   "question":"",\n   "answer":"a"}\n]\n')
    const res = Either.getOrThrow(await run(readRows(p, QaPair, { maxErrorRatio: 1 })))
    expect(res.rows.length).toBe(1)
    expect(res.errors[0]!.line).toBe(3)
    expect(res.errors[0]!.field).toBe("question")
  })
})

describe("CSV reader", () => {
  it("handles quotes, escaped quotes, separators and newlines inside fields", async () => {
    const p = file(
      "qa.csv",
      'id,question,answer\n1,"胆囊炎, 怎么办?","多喝水\n注意""饮食"""\n2,plain,ok\n3,too,many,cols\n4,last,row\n'
    )
    const res = Either.getOrThrow(await run(readRows(p, QaPair, { maxErrorRatio: 0.5 })))
    expect(res.rows.map((r) => r.id)).toEqual(["1", "2", "4"])
    expect(res.rows[0]!.question).toBe("胆囊炎, 怎么办?")
    expect(res.rows[0]!.answer).toBe('多喝水\n注意"饮食"')
    expect(res.lines).toEqual([2, 4, 6])
    expect(res.errors[0]!.line).toBe(5)
    expect(res.errors[0]!.message).toContain("expected 3 columns")
  })

  it("an unterminated quote fails the file with a line", async () => {
    const p = file("broken.csv", 'id,question,answer\n1,"open,x\n')
    const r = await run(readRows(p, QaPair))
    const err = Either.getLeft(r).pipe((o) => (o._tag === "Some" ? o.value : undefined))!
    expect(err._tag).toBe("InputError")
    expect(err.message).toMatch(/broken\.csv:\d+: invalid CSV/)
  })
})

describe("schemas", () => {
  it("exam question answer must name a non-empty option", () => {
    const d = Schema.decodeUnknownEither(ExamQuestion)
    const base = { id: "x", question: "q", options: { A: "a", B: "b", C: "c", D: "d", E: "" } }
    expect(Either.isRight(d({ ...base, answer: "B" }))).toBe(true)
    expect(Either.isLeft(d({ ...base, answer: "E" }))).toBe(true)
  })
  it("a record needs sections or text", () => {
    const d = Schema.decodeUnknownEither(ClinicalRecord)
    expect(Either.isLeft(d({ id: "r" }))).toBe(true)
    expect(Either.isRight(d({ id: "r", sections: { 主诉: "腹痛" } }))).toBe(true)
  })
})

describe("writer", () => {
  it("writes JSONL atomically and round-trips through the schema", async () => {
    const out = join(dir, "w", "qa.jsonl")
    const rows = [{ id: "1", question: "问", answer: "答", source: "x", sensitive: true }]
    const n = await Effect.runPromise(writeJsonl(out, rows, QaPair))
    expect(n).toBe(1)
    expect(readdirSync(join(dir, "w"))).toEqual(["qa.jsonl"])
    expect(JSON.parse(readFileSync(out, "utf8").trim())).toEqual(rows[0])
    const back = Either.getOrThrow(await run(readRows(out, QaPair)))
    expect(back.rows).toEqual(rows)
  })
})
