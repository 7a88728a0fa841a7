/**
 * The method's shape on the shipped sample data, with the workflow's fixed seeds, as one
 * `zaoji run … --json` child process: stage 2 answers the held-out specialty (record) questions
 * better than the base (ROUGE-L), stage 1 answers the held-out general questions better than the
 * base, and the forgetting gate's verdict is computed on general QA pairs that no model of the run
 * trained on. That last point is checked here from the run's own store files (every training
 * stage's data inputs against the evaluated sets), independently of the evaluation's own checks.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { type CliResult, zaoji } from "../engine/cliProcess.js"
import { artifactDir, explain, readManifest, setArgs, stageKeys, tempStore, workflowFile } from "../support/hepatobiliary.js"

/**
 * The workflow's own settings, smaller where the shape does not need the full size, so the test
 * stays within a few minutes on two cores. Every evaluation set is used whole: the sets checked for
 * leakage below are exactly the sets scored.
 */
const shapeSettings: ReadonlyArray<string> = ["base.steps=300", "eval.decoding.maxNewTokens=48"]

/** the workflow's forgetting gate: stage 2 may lose at most this many general-QA ROUGE-L points to stage 1 */
const gateMaxDrop = 2

let store: string
let run: CliResult
let keys: Record<string, string>

beforeAll(async () => {
  store = tempStore("shape")
  run = await zaoji(["run", workflowFile, "--store", store, "--json", ...setArgs(shapeSettings)])
  keys = stageKeys(run)
}, 900_000)

// ---------------------------------------------------------------- reading the store

interface QaRow {
  readonly id: string
  readonly question: string
  readonly answer: string
}

const jsonl = (file: string): Array<any> =>
  fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l, i) => {
      try {
        return JSON.parse(l)
      } catch (e) {
        throw new Error(`${file}:${i + 1}: not JSON (${(e as Error).message})`)
      }
    })

/** the rows of a dataset artifact (a QA set or a text corpus): the file its manifest's output names */
const datasetRows = (key: string): Array<any> => {
  const out = readManifest(store, key).output
  if (typeof out.file !== "string") throw new Error(`artifact ${key} (${readManifest(store, key).stage.id}) names no data file`)
  return jsonl(path.join(artifactDir(store, key), out.file))
}

const qaRows = (key: string): Array<QaRow> =>
  datasetRows(key).map((r, i) => {
    if (typeof r.question !== "string" || typeof r.answer !== "string") throw new Error(`artifact ${key} row ${i + 1}: expected question and answer strings`)
    return r
  })

/**
 * Text compared the way a leak would still be a leak: Unicode NFKC (full-width → half-width),
 * lower case, without whitespace, punctuation and symbols.
 */
const normalise = (text: string): string => text.normalize("NFKC").toLowerCase().replace(/[\p{P}\p{S}\p{Z}\s]/gu, "")

interface TrainingData {
  /** training stage id → the stage ids of its data inputs */
  readonly inputs: Record<string, Array<string>>
  /** every normalised question, answer and corpus text any training stage read */
  readonly texts: Set<string>
}

/**
 * Everything the run's training stages trained on: each stage whose output has a `training` record
 * (pretraining, P-Tuning v2, freeze), and of its inputs the ones that are data (QA sets, text
 * corpora), not models.
 */
const trainingData = (): TrainingData => {
  const inputs: Record<string, Array<string>> = {}
  const texts = new Set<string>()
  for (const key of fs.readdirSync(path.join(store, "artifacts"))) {
    const m = readManifest(store, key)
    if (m.output?.training === undefined) continue
    inputs[m.stage.id] = []
    for (const input of Object.values(m.inputs) as Array<{ stage: string; key: string }>) {
      const kind = readManifest(store, input.key).output.kind
      if (kind !== "qa" && kind !== "text") continue
      inputs[m.stage.id]!.push(input.stage)
      for (const row of datasetRows(input.key))
        for (const t of kind === "qa" ? [row.question, row.answer] : [row.text]) {
          if (typeof t !== "string") throw new Error(`${input.stage}: a row without ${kind === "qa" ? "question/answer" : "text"}`)
          texts.add(normalise(t))
        }
    }
  }
  return { inputs, texts }
}

/** the items of `rows` whose question or answer is, normalised, a text of `texts` */
const overlapping = (rows: ReadonlyArray<QaRow>, texts: ReadonlySet<string>): Array<string> =>
  rows.filter((r) => texts.has(normalise(r.question)) || texts.has(normalise(r.answer))).map((r) => `${r.id}: ${r.question} → ${r.answer}`)

const evalMetrics = () => JSON.parse(fs.readFileSync(path.join(artifactDir(store, keys.eval!), "metrics.json"), "utf8"))

// ---------------------------------------------------------------- the tests

describe("the method's shape on the sample data (child process, fixed seeds)", () => {
  it("the run completes", () => {
    expect(run.code, explain(run)).toBe(0)
    expect(run.events.at(-1)).toMatchObject({ type: "run", status: "done" })
  })

  it("no held-out item (general QA, specialty QA) is in any training file of the run", () => {
    expect(run.code, explain(run)).toBe(0)
    const training = trainingData()
    // the three training stages, each with the data it was wired to (the check is not vacuous)
    expect(training.inputs).toEqual({ base: ["corpus"], "medglm-general": ["general-train"], "medglm-h": ["specialty-data"] })

    const generalTest = qaRows(keys["general-test"]!)
    const recordTest = qaRows(keys["records-test"]!)
    expect(generalTest.length).toBeGreaterThanOrEqual(30)
    expect(recordTest.length).toBeGreaterThanOrEqual(30)
    expect(overlapping(generalTest, training.texts)).toEqual([])
    expect(overlapping(recordTest, training.texts)).toEqual([])

    // the same comparison does find held-out pairs where they are: general-data holds every one
    const generalData = new Set(qaRows(keys["general-data"]!).flatMap((r) => [normalise(r.question), normalise(r.answer)]))
    expect(overlapping(generalTest, generalData)).toHaveLength(generalTest.length)
  })

  it("the evaluation scored exactly those held-out sets, whole", () => {
    expect(run.code, explain(run)).toBe(0)
    const evalInputs = readManifest(store, keys.eval!).inputs
    expect(evalInputs.generalQa).toEqual({ stage: "general-test", key: keys["general-test"] })
    expect(evalInputs.heldOut).toEqual({ stage: "records-test", key: keys["records-test"] })
    const datasets = evalMetrics().datasets
    expect(datasets).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ input: "generalQa", artifactKey: keys["general-test"], rows: qaRows(keys["general-test"]!).length }),
        expect.objectContaining({ input: "heldOut", artifactKey: keys["records-test"], rows: qaRows(keys["records-test"]!).length })
      ])
    )
  })

  it("stage 2 beats the base on held-out specialty QA, stage 1 the base on held-out general QA (ROUGE-L)", () => {
    expect(run.code, explain(run)).toBe(0)
    const summary = evalMetrics().summary
    const specialty = summary["qa.chatglm.rouge-l"]
    const general = summary["general_qa.chatglm.rouge-l"]
    for (const [name, row] of [["qa", specialty], ["general_qa", general]] as const)
      for (const model of ["base", "stage1", "stage2"]) expect(Number.isFinite(row?.[model]), `${name} ${model}: ${row?.[model]}`).toBe(true)
    expect(specialty.stage2, JSON.stringify(specialty)).toBeGreaterThan(specialty.base)
    expect(general.stage1, JSON.stringify(general)).toBeGreaterThan(general.base)
  })

  it("the forgetting gate judges stage 2 against stage 1 on that clean general QA set", () => {
    expect(run.code, explain(run)).toBe(0)
    const metrics = evalMetrics()
    const general = metrics.summary["general_qa.chatglm.rouge-l"]
    expect(metrics.gate).toMatchObject({ reference: "stage1", metric: "general_qa.chatglm.rouge-l", maxDrop: gateMaxDrop })
    const check = metrics.gate.checks.find((c: any) => c.model === "stage2")
    expect(check).toMatchObject({ reference: "stage1", referenceValue: general.stage1, value: general.stage2 })
    const regressed = general.stage1 - general.stage2 > gateMaxDrop
    expect(check.regressed).toBe(regressed)
    expect(metrics.gate.passed).toBe(!regressed)
  })
})
