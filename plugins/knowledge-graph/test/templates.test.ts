import { Effect, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { artifactOf, runStageOnce } from "@zaoji/core"
import { KgEntry, normalizeText } from "@zaoji/data"
import { KnowledgeGraph, templateQa } from "../src/kit.js"
import { entries, kgJsonl, tempDir, writeFile } from "./fixtures.js"

const kg = entries.map((e) => Schema.decodeUnknownSync(KgEntry)(e))

describe("template QA generator", () => {
  it("builds several phrasings per relation with answers from the KG", () => {
    const qa = templateQa(kg, { relations: ["symptoms", "checks", "cause"], phrasings: 3 })
    const stone = qa.filter((p) => p.entity === "胆囊结石")
    expect(stone.filter((p) => p.relation === "symptoms")).toHaveLength(3)
    expect(new Set(stone.filter((p) => p.relation === "symptoms").map((p) => p.question)).size).toBe(3)
    for (const p of stone.filter((p) => p.relation === "symptoms")) expect(p.answer).toBe("胆囊结石的常见症状有右上腹绞痛、恶心、呕吐。")
    expect(stone.find((p) => p.relation === "cause")!.answer).toBe("胆汁成分比例失调，胆固醇过饱和析出形成结石。")
    // no cause in the KG → no cause question
    expect(qa.some((p) => p.entity === "急性胰腺炎" && p.relation === "cause")).toBe(false)
    for (const p of qa) expect(p.question).toContain(p.entity!)
  })

  it("is deterministic and independent of entry order; seed changes phrasing choice", () => {
    const a = templateQa(kg, { phrasings: 1 })
    const b = templateQa([...kg].reverse(), { phrasings: 1 })
    const key = (x: typeof a) => x.map((p) => `${p.id}=${p.question}`).sort()
    expect(key(a)).toEqual(key(b))
    const seeds = new Set([0, 1, 2, 3, 4].map((seed) => templateQa(kg, { phrasings: 1, seed }).map((p) => p.question).join("|")))
    expect(seeds.size).toBeGreaterThan(1)
  })

  it("respects perEntity, maxListItems and template overrides", () => {
    const qa = templateQa(kg, { perEntity: 2, maxListItems: 1, relations: ["symptoms"], phrasings: 4, templates: { symptoms: { answer: "{value}" } } })
    expect(qa.filter((p) => p.entity === "肝硬化")).toHaveLength(2)
    expect(qa.find((p) => p.entity === "肝硬化")!.answer).toBe("乏力")
  })
})

describe("kg.generate-qa (template)", () => {
  it("writes deduplicated QA with counts per relation", async () => {
    const dir = tempDir()
    writeFile(dir, "kg.jsonl", kgJsonl)
    const input = artifactOf({ file: "kg.jsonl", kind: "kg" as const, count: 3, sensitive: false, rowsRead: 3, badRows: 0, byDepartment: {}, byRelation: {} }, dir)
    const out = await Effect.runPromise(
      runStageOnce(
        KnowledgeGraph.generateQa,
        // two phrasings that normalise to the same question: one must be dropped
        { generator: "template", relations: ["drugs"], phrasings: 2, templates: { drugs: { questions: ["{name}吃什么药？", "{name} 吃什么药?"] } } },
        { kg: input },
        join(dir, "run")
      )
    )
    expect(out.value).toMatchObject({ kind: "qa", count: 2, duplicatesDropped: 2, generator: "template", byStratum: { drugs: 2 } })
    const rows = readFileSync(join(out.dir, "qa.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l))
    expect(rows.map((r) => r.question)).toEqual(["胆囊结石吃什么药？", "急性胰腺炎吃什么药？"])
    expect(new Set(rows.map((r) => normalizeText(r.question))).size).toBe(rows.length)
  })

  it("rejects an llm config without an endpoint, naming the field", async () => {
    const dir = tempDir()
    const input = artifactOf({ file: "kg.jsonl", kind: "kg" as const, count: 0, sensitive: false, rowsRead: 0, badRows: 0, byDepartment: {}, byRelation: {} }, dir)
    const r = await Effect.runPromise(Effect.either(runStageOnce(KnowledgeGraph.generateQa, { generator: "llm" }, { kg: input }, dir)))
    expect(r._tag).toBe("Left")
    if (r._tag === "Left") expect(r.left.message).toContain("llm")
  })
})
