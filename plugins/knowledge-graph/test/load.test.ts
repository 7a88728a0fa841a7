import { Effect, Either } from "effect"
import { describe, expect, it } from "vitest"
import { hasShared, sharedSuiteTitle, sharedPath } from "@zaoji/testing"
import { runStageOnce } from "@zaoji/core"
import { KnowledgeGraph, kgStats, loadKg, selectEntries } from "../src/kit.js"
import { kgJsonl, tempDir, writeFile } from "./fixtures.js"

const run = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(Effect.either(e))
const leftOf = <A, E>(r: Either.Either<A, E>): E => (Either.isLeft(r) ? r.left : (undefined as never))

describe("loadKg", () => {
  it("reads JSON Lines entries with defaults", async () => {
    const dir = tempDir()
    const kg = Either.getOrThrow(await run(loadKg(writeFile(dir, "kg.jsonl", kgJsonl))))
    expect(kg.entries.map((e) => e.name)).toEqual(["胆囊结石", "急性胰腺炎", "肝硬化"])
    expect(kg.entries[1]!.complications).toEqual([])
    expect(kg.bad).toBe(0)
  })

  it("reads CSV with a field map and list cells, reporting bad rows by line", async () => {
    const dir = tempDir()
    const csv = 'disease,科室,symptoms,checks\n胆囊炎,"外科;肝胆外科","右上腹痛;发热","腹部B超"\n,外科,x,y\n胆管炎,外科,"寒战、高热",ERCP\n'
    const p = writeFile(dir, "kg.csv", csv)
    const bad = leftOf(await run(loadKg(p, { fieldMap: { disease: "name", 科室: "departments" } })))
    expect(bad._tag).toBe("InputError")
    expect(bad.message).toContain(`${p}:3 field "name"`)
    const kg = Either.getOrThrow(await run(loadKg(p, { fieldMap: { disease: "name", 科室: "departments" }, maxErrorRatio: 0.5 })))
    expect(kg.entries.map((e) => [e.name, e.departments, e.symptoms])).toEqual([
      ["胆囊炎", ["外科", "肝胆外科"], ["右上腹痛", "发热"]],
      ["胆管炎", ["外科"], ["寒战", "高热"]]
    ])
    expect(kg.bad).toBe(1)
  })

  it("folds (head, relation, tail) triples into entries and flags unknown relations", async () => {
    const dir = tempDir()
    const triples = [
      { head: "胆囊炎", relation: "has_symptom", tail: "右上腹痛" },
      { head: "胆囊炎", relation: "症状", tail: "发热" },
      { head: "胆囊炎", relation: "need_check", tail: "腹部B超" },
      { head: "胆管炎", relation: "belongs_to", tail: "肝胆外科" },
      { head: "胆管炎", relation: "病因", tail: "胆道梗阻合并感染。" },
      { head: "胆管炎", relation: "喜欢", tail: "x" }
    ]
    const p = writeFile(dir, "triples.json", JSON.stringify(triples, null, 1))
    const kg = Either.getOrThrow(await run(loadKg(p, { maxErrorRatio: 0.2 })))
    expect(kg.entries).toHaveLength(2)
    expect(kg.entries[0]).toMatchObject({ name: "胆囊炎", symptoms: ["右上腹痛", "发热"], checks: ["腹部B超"] })
    expect(kg.entries[1]).toMatchObject({ departments: ["肝胆外科"], cause: "胆道梗阻合并感染。" })
    expect(kg.errors).toHaveLength(1)
    expect(kg.errors[0]!.field).toBe("relation")
    expect(kg.errors[0]!.message).toContain("喜欢")
    expect(kg.errors[0]!.line).toBeGreaterThan(20)
  })
})

describe("selection and stats", () => {
  it("selects by department, keyword, names, conditions; counts per department/relation", async () => {
    const dir = tempDir()
    const kg = Either.getOrThrow(await run(loadKg(writeFile(dir, "kg.jsonl", kgJsonl))))
    expect(selectEntries(kg.entries, { departments: ["肝胆外科", "肝病"] }).map((e) => e.name)).toEqual(["胆囊结石", "肝硬化"])
    expect(selectEntries(kg.entries, { keywords: ["胰"] }).map((e) => e.name)).toEqual(["急性胰腺炎"])
    expect(selectEntries(kg.entries, { where: [{ field: "complications", op: "minItems", value: 2 }], excludeKeywords: ["肝"] }).map((e) => e.name)).toEqual(["胆囊结石"])
    expect(selectEntries(kg.entries, {}, (e) => e.drugs.length === 0).map((e) => e.name)).toEqual(["肝硬化"])
    const s = kgStats(kg.entries)
    expect(s.byDepartment).toMatchObject({ 内科: 2, 外科: 1, 肝病: 1 })
    expect(s.byRelation.symptoms).toBe(9)
    expect(s.byRelation.cause).toBe(1)
  })
})

describe("kg.load stage", () => {
  it("writes the selected entries and describes them", async () => {
    const dir = tempDir()
    writeFile(dir, "kg.jsonl", kgJsonl)
    const out = await Effect.runPromise(runStageOnce(KnowledgeGraph.load, { source: "kg.jsonl", select: { keywords: ["胆", "肝"] } }, {}, dir))
    expect(out.value).toMatchObject({ file: "kg.jsonl", kind: "kg", count: 2, rowsRead: 3, badRows: 0, sensitive: false })
    expect(out.value.byDepartment.肝胆外科).toBe(1)
  })

  it("a missing source is an InputError naming it", async () => {
    const dir = tempDir()
    const r = await run(runStageOnce(KnowledgeGraph.load, { source: "nope.jsonl" }, {}, dir))
    expect(leftOf(r).message).toContain("nope.jsonl")
  })
})

describe.skipIf(!hasShared)(sharedSuiteTitle("real KG layout"), () => {
  it("loads the hepatobiliary subset of the shared KG without a bad row", async () => {
    const kg = Either.getOrThrow(await run(loadKg(sharedPath("data", "kg", "medical_kg_hepatobiliary.jsonl"))))
    expect(kg.bad).toBe(0)
    expect(kg.entries.length).toBe(294)
    const s = kgStats(kg.entries)
    expect(s.byDepartment["肝胆外科"]).toBe(53)
    expect(selectEntries(kg.entries, { departments: ["肝胆外科"] }).length).toBe(53)
  })
})
