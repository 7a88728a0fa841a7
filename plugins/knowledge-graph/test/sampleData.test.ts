import { join } from "node:path"
import { Effect, Either } from "effect"
import { describe, expect, it } from "vitest"
import { ExamQuestion, QaPair, readRows } from "@zaoji/data"
import { hasShared, sharedSuiteTitle, repoRoot, sharedPath } from "@zaoji/testing"
import { loadKg, templateQa } from "../src/kit.js"

const data = (f: string) => join(repoRoot, "workflows", "data", f)
const ok = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e)

describe("shipped sample data", () => {
  it("KG, exam and general QA decode without a bad row", async () => {
    const kg = await ok(loadKg(data("kg.jsonl")))
    expect(kg.bad).toBe(0)
    expect(kg.entries.length).toBeGreaterThanOrEqual(30)
    const exam = await ok(readRows(data("exam.jsonl"), ExamQuestion))
    expect(exam.rows.length).toBe(40)
    const general = await ok(readRows(data("general_qa.jsonl"), QaPair))
    expect(general.rows.length).toBeGreaterThanOrEqual(30)
  })

  it("every exam answer is a fact of the KG entry it asks about, and no distractor is", async () => {
    const kg = await ok(loadKg(data("kg.jsonl")))
    const exam = await ok(readRows(data("exam.jsonl"), ExamQuestion))
    for (const q of exam.rows) {
      const entry = kg.entries.find((e) => q.question.includes(e.name))
      expect(entry, q.id).toBeDefined()
      const facts = new Set([...entry!.symptoms, ...entry!.checks, ...entry!.drugs, ...entry!.complications, ...entry!.treatments, ...entry!.departments])
      expect(facts.has(q.options[q.answer]!), `${q.id}: ${q.options[q.answer]}`).toBe(true)
      for (const [letter, text] of Object.entries(q.options)) if (letter !== q.answer && text) expect(facts.has(text), `${q.id} distractor ${text}`).toBe(false)
    }
    // answers are spread over the letters, so "always A" cannot score well
    const letters = new Set(exam.rows.map((q) => q.answer))
    expect(letters.size).toBe(4)
  })

  it("template QA over the sample KG states every exam answer next to its disease", async () => {
    const kg = await ok(loadKg(data("kg.jsonl")))
    const qa = templateQa(kg.entries, { relations: ["symptoms", "checks", "drugs", "complications", "treatments", "departments"] })
    const exam = await ok(readRows(data("exam.jsonl"), ExamQuestion))
    for (const q of exam.rows) {
      const name = kg.entries.find((e) => q.question.includes(e.name))!.name
      expect(qa.some((p) => p.entity === name && p.answer.includes(q.options[q.answer]!)), q.id).toBe(true)
    }
  })
})

describe.skipIf(!hasShared)(sharedSuiteTitle("real data layouts decode with the shared schemas"), () => {
  it("exam dev set: every row is a valid single-choice question", async () => {
    const r = await Effect.runPromise(Effect.either(readRows(sharedPath("data", "exam", "dev.jsonl"), ExamQuestion)))
    expect(Either.isRight(r)).toBe(true)
    if (Either.isRight(r)) {
      expect(r.right.total).toBe(7969)
      expect(r.right.bad).toBe(0)
      expect(r.right.rows.filter((q) => q.is_hepatobiliary).length).toBe(107)
    }
  })
})
