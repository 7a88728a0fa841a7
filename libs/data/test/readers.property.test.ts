/**
 * Property tests of the dataset readers on arbitrary files: every line is either a row or a bad
 * row naming file:line, a failing read is an `InputError` naming the file, and nothing throws.
 * Seeded and time-bounded, so they run in CI like any other test.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Cause, Effect, Exit, Option } from "effect"
import fc from "fast-check"
import { afterAll, describe, expect, it } from "vitest"
import type { InputError } from "@zaoji/core"
import { QaPair, readRows, type FileFormat, type ReadResult } from "../src/index.js"
import { streamRows } from "../src/stream.js"
import { Stream } from "effect"

/**
 * Any code points, lone surrogates included (fast-check's `unit: "binary"` does the same but takes
 * seconds to build its table).
 */
const anyText = (maxLength: number): fc.Arbitrary<string> =>
  fc.array(fc.integer({ min: 0, max: 0x10ffff }), { maxLength }).map((cps) => String.fromCodePoint(...cps))

const dir = mkdtempSync(join(tmpdir(), "zaoji-data-prop-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let n = 0
const write = (ext: string, content: string | Uint8Array): string => {
  const p = join(dir, `f${n++}.${ext}`)
  writeFileSync(p, content)
  return p
}

const settings = (seed: number): fc.Parameters<unknown> => ({ seed, numRuns: 150, interruptAfterTimeLimit: 4_000 })

const validPair = fc.record({ id: fc.string(), question: fc.string({ minLength: 1 }), answer: fc.string({ minLength: 1 }) })
/** one line's text: a valid pair, any JSON, JSON cut short, or any string (no newline) */
const lineText = fc.oneof(
  validPair.map((p) => JSON.stringify(p)),
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  validPair.map((p) => JSON.stringify(p)).chain((s) => fc.nat({ max: s.length }).map((k) => s.slice(0, k))),
  anyText(60).map((s) => s.replace(/[\r\n\u2028\u2029]/g, " "))
)

/** the read's outcome: its rows, or the InputError it failed with (anything else fails the test) */
type Outcome = { readonly ok: ReadResult<QaPair> } | { readonly failed: InputError }
const read = async (file: string, format: FileFormat | undefined, maxErrorRatio: number): Promise<Outcome> => {
  const exit = await Effect.runPromiseExit(readRows(file, QaPair, { format, maxErrorRatio }))
  if (Exit.isSuccess(exit)) return { ok: exit.value }
  const failure = Cause.failureOption(exit.cause)
  if (Option.isNone(failure)) throw new Error(`read of ${file} died: ${Cause.pretty(exit.cause)}`)
  expect(failure.value._tag).toBe("InputError")
  expect(failure.value.message).toContain(file)
  return { failed: failure.value }
}

describe("JSONL reader on arbitrary lines", () => {
  it("counts every non-blank line once, as a row or a bad row naming file:line", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(lineText, { maxLength: 12 }), fc.constantFrom("\n", "\r\n"), fc.boolean(), async (lines, eol, bom) => {
        const file = write("jsonl", (bom ? "\uFEFF" : "") + lines.join(eol))
        const r = await read(file, undefined, 1)
        if (!("ok" in r)) throw new Error("a ratio of 1 never fails")
        const res = r.ok
        const nonBlank = lines.map((l, i) => ({ l, line: i + 1 })).filter(({ l }) => l.trim() !== "")
        expect(res.total).toBe(nonBlank.length)
        expect(res.rows.length + res.bad).toBe(res.total)
        for (const e of res.errors) {
          expect(e.file).toBe(file)
          expect(nonBlank.map((x) => x.line)).toContain(e.line)
          expect(e.message).not.toBe("")
        }
        // every row decoded comes from a line holding exactly that pair
        res.rows.forEach((row, i) => expect(JSON.parse(lines[res.lines[i]! - 1]!)).toMatchObject({ id: row.id, question: row.question }))
      }),
      settings(1204)
    )
  })

  it("fails past the error ratio with an InputError naming file:line, and only then", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(lineText, { minLength: 1, maxLength: 8 }), async (lines) => {
        const file = write("jsonl", lines.join("\n"))
        const lenient = await read(file, undefined, 1)
        if (!("ok" in lenient)) throw new Error("a ratio of 1 never fails")
        const strict = await read(file, undefined, 0)
        expect("failed" in strict).toBe(lenient.ok.bad > 0)
        if ("failed" in strict) expect(strict.failed.location).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\d+$`))
      }),
      settings(42)
    )
  })

  it("arbitrary bytes (invalid UTF-8, NULs, lone CRs) are bad rows, not crashes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), async (bytes) => {
        await read(write("jsonl", bytes), undefined, 1)
      }),
      settings(7)
    )
  })
})

describe("JSON-array and CSV readers on arbitrary files", () => {
  it("a JSON array file either reads or fails with an InputError naming the file", async () => {
    const doc = fc.oneof(
      fc.array(fc.oneof(validPair, fc.jsonValue({ maxDepth: 3 })), { maxLength: 6 }).map((a) => JSON.stringify(a, null, 1)),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.array(validPair, { maxLength: 4 })
        .map((a) => JSON.stringify(a, null, 1))
        .chain((s) => fc.nat({ max: s.length }).map((k) => s.slice(0, k))),
      anyText(80)
    )
    await fc.assert(
      fc.asyncProperty(doc, async (text) => {
        const r = await read(write("json", text), "json", 1)
        if ("ok" in r) for (const e of r.ok.errors) expect(e.line).toBeGreaterThanOrEqual(1)
      }),
      settings(99)
    )
  })

  it("a CSV file either reads or fails with an InputError naming the file", async () => {
    const cell = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('"', '""', ",", "\n", "\r\n", "a,b", '"x"'))
    const csv = fc.array(fc.array(cell, { maxLength: 4 }).map((r) => r.join(",")), { maxLength: 6 }).map((rows) => ["id,question,answer", ...rows].join("\n"))
    await fc.assert(
      fc.asyncProperty(csv, async (text) => {
        await read(write("csv", text), "csv", 1)
      }),
      settings(5)
    )
  })
})

describe("readRows, which reads JSON and JSON Lines whole, against the streaming reader", () => {
  /** what `streamRows` yields, gathered as `readRows` reports it */
  const streamed = async (file: string, format: FileFormat) => {
    const rows = await Effect.runPromise(Stream.runCollect(streamRows(file, QaPair, { format })).pipe(Effect.map((c) => [...c])))
    return {
      rows: rows.flatMap((r) => (r._tag === "Row" ? [r.value] : [])),
      lines: rows.flatMap((r) => (r._tag === "Row" ? [r.line] : [])),
      errors: rows.flatMap((r) => (r._tag === "Bad" ? r.errors : [])),
      total: rows.length,
      bad: rows.filter((r) => r._tag === "Bad").length
    }
  }

  /** the file's text, read whole by readRows, gives what the streaming reader gives */
  const readsAsStreamed = (format: "jsonl" | "json") => async (text: string) => {
    const f = write(format, text)
    const r = await read(f, format, 1)
    if (!("ok" in r)) throw new Error("a ratio of 1 never fails")
    expect(r.ok).toEqual(await streamed(f, format))
  }

  it("gives the same rows, lines and errors on any JSON Lines file (CRLF, lone CR, BOM, blank lines, no final line break)", async () => {
    const eol = fc.constantFrom("\n", "\r\n", "\r", "\n\n", " \n")
    const file = fc.tuple(fc.boolean(), fc.array(fc.tuple(lineText, eol), { maxLength: 10 }), fc.boolean()).map(
      ([bom, lines, cut]) => (bom ? "\uFEFF" : "") + lines.map(([l, e]) => l + e).join("").slice(0, cut ? -1 : undefined)
    )
    await fc.assert(
      fc.asyncProperty(file, readsAsStreamed("jsonl")),
      settings(2024)
    )
  })

  it("gives the same rows, lines and errors on any JSON array file that reads", async () => {
    const doc = fc.array(fc.oneof(validPair, fc.jsonValue({ maxDepth: 3 })), { maxLength: 6 }).map((a) => JSON.stringify(a, null, 1))
    await fc.assert(
      fc.asyncProperty(doc, readsAsStreamed("json")),
      settings(2025)
    )
  })
})
