/**
 * The hepatobiliary workflow end to end, as `zaoji run … --json` child processes in the micro size:
 * a complete run with every metric in the report, a fully cached re-run, kill -9 during pretraining
 * and during stage 1 (each re-run resumes from the training checkpoint and ends with the weights of
 * the uninterrupted run), and truncated model weights.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { beforeAll, describe, expect, it } from "vitest"
import { type CliResult, zaoji } from "../engine/cliProcess.js"
import {
  artifactDir,
  explain,
  readManifest,
  runHepatobiliary,
  stageEvents,
  stageKeys,
  tempStore,
  weightDiffs,
  workflowFile,
  microSettings,
  setArgs
} from "../support/hepatobiliary.js"

const noStackTrace = (text: string) => expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)

const allStages = [
  "corpus", "base", "kg", "kg-qa", "general-qa", "general-data", "general-split", "general-train", "general-test",
  "medglm-general", "records", "records-split", "records-train", "records-test", "replay", "specialty-data", "medglm-h", "eval"
]

/** every figure the report must carry, for each of the three models */
const expectedMetrics = [
  "exam.loglik.acc",
  "exam.loglik.acc_norm",
  ...["qa", "general_qa"].flatMap((set) => [
    `${set}.chatglm.rouge-1`,
    `${set}.chatglm.rouge-2`,
    `${set}.chatglm.rouge-l`,
    `${set}.chatglm.bleu-4`,
    `${set}.sacrebleu_zh`
  ])
]

/** the uninterrupted reference run every other test compares with */
let refStore: string
let ref: CliResult
let refKeys: Record<string, string>

beforeAll(async () => {
  refStore = tempStore("reference")
  ref = await runHepatobiliary(refStore)
  refKeys = stageKeys(ref)
}, 600_000)

/** stages a killed run finished, and the one it was killed in */
const finishedStages = (r: CliResult) => stageEvents(r, "done").map((e) => e.stage as string)

/** kill -9 the run once `stage` reports progress ≥ `atStep` */
const killDuring = async (store: string, stage: string, atStep: number) => {
  let killedAt = -1
  const r = await runHepatobiliary(store, {
    onEvent: (e, child) => {
      if (killedAt < 0 && e.type === "progress" && e.stage === stage && e.done >= atStep) {
        killedAt = e.done
        child.kill("SIGKILL")
      }
    }
  })
  return { r, killedAt }
}

/** the re-run after a kill: exit 0, every stage finished before the kill cached, the killed stage resumed */
const expectResumed = (first: CliResult, second: CliResult, stage: string, checkpointEvery: number, steps: number) => {
  expect(second.code, explain(second)).toBe(0)
  const statuses = Object.fromEntries(stageEvents(second).filter((e) => !["running", "retrying"].includes(e.status)).map((e) => [e.stage, e.status]))
  const finished = finishedStages(first)
  expect(finished).not.toContain(stage)
  for (const s of finished) expect(statuses[s], s).toBe("cached")
  expect(statuses[stage]).toBe("done")
  for (const s of allStages) expect(["cached", "done"], s).toContain(statuses[s])
  // the same configuration gives the same keys as the reference run
  expect(stageKeys(second)).toEqual(refKeys)

  const training = readManifest(storeOf(second), refKeys[stage]!).output.training
  expect(training.steps).toBe(steps)
  expect(training.resumedFromStep).toBeGreaterThan(0)
  expect(training.resumedFromStep).toBeLessThan(steps)
  expect(training.resumedFromStep % checkpointEvery).toBe(0)
  expect(second.events).toContainEqual(
    expect.objectContaining({ type: "log", stage, message: "resumed from checkpoint", fields: { step: training.resumedFromStep } })
  )
  // only the steps after the checkpoint ran again
  const progress = second.events.filter((e) => e.type === "progress" && e.stage === stage)
  expect(progress.length).toBeGreaterThan(0)
  expect(Math.min(...progress.map((e) => e.done))).toBeGreaterThan(training.resumedFromStep)
  expect(progress.length).toBeLessThanOrEqual(steps - training.resumedFromStep + 1)
  expect(progress.at(-1)!.done).toBe(steps)
  return training.resumedFromStep as number
}

const storeOf = (r: CliResult): string => r.events.find((e) => e.type === "run")!.store

/** the trainable weights of `stage` in `store` equal the reference run's */
const expectSameWeights = (store: string, stage: string) => {
  const diffs = weightDiffs(refStore, store, refKeys[stage]!)
  expect(Object.keys(diffs).length, stage).toBeGreaterThan(0)
  for (const [file, d] of Object.entries(diffs)) expect(d, `${stage}/${file}`).toBeLessThanOrEqual(1e-6)
}

describe("hepatobiliary workflow, micro size (child processes)", () => {
  it("runs to completion; the eval report has every metric for base, stage 1 and stage 2", () => {
    expect(ref.code, explain(ref)).toBe(0)
    const done = stageEvents(ref, "done").map((e) => e.stage)
    expect([...done].sort()).toEqual([...allStages].sort())
    expect(ref.events.at(-1)).toMatchObject({ type: "run", status: "done" })

    const evalDir = artifactDir(refStore, refKeys.eval!)
    for (const f of ["report.md", "report.html", "metrics.json"]) expect(fs.existsSync(path.join(evalDir, f)), f).toBe(true)
    const metrics = JSON.parse(fs.readFileSync(path.join(evalDir, "metrics.json"), "utf8"))
    expect(metrics.models.map((m: any) => m.name)).toEqual(["base", "stage1", "stage2"])
    for (const name of expectedMetrics) {
      const row = metrics.summary[name]
      expect(row, name).toBeDefined()
      for (const model of ["base", "stage1", "stage2"]) {
        expect(Number.isFinite(row[model]), `${name} ${model}`).toBe(true)
        // exam accuracy is a share, the text metrics are ×100 scores
        expect(row[model]).toBeGreaterThanOrEqual(0)
        expect(row[model]).toBeLessThanOrEqual(name.startsWith("exam.") ? 1 : 100)
      }
    }
    // the lineage names each model's stage and the data sets are the limited micro ones
    expect(metrics.models.map((m: any) => m.lineage.stage)).toEqual(["base", "medglm-general", "medglm-h"])
    expect(metrics.datasets).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ role: "exam", rows: 8 }),
        expect.objectContaining({ role: "qa", rows: 4, input: "heldOut" }),
        expect.objectContaining({ role: "general QA", rows: 4, input: "generalQa" })
      ])
    )
    const md = fs.readFileSync(path.join(evalDir, "report.md"), "utf8")
    expect(md).toContain("| metric | base | stage1 | stage2 |")
    for (const label of ["exam acc (loglik)", "exam acc_norm (loglik)", "QA ROUGE-L (ChatGLM", "QA BLEU-4 (ChatGLM", "QA sacreBLEU zh", "general QA ROUGE-1 (ChatGLM", "general QA BLEU-4 (ChatGLM", "general QA sacreBLEU zh"]) {
      expect(md).toContain(`| ${label}`)
    }
    const html = fs.readFileSync(path.join(evalDir, "report.html"), "utf8")
    expect(html).toMatch(/<table/)
    expect(html).toContain("stage2")
    // the training stages trained what the micro settings asked for, from scratch
    expect(readManifest(refStore, refKeys.base!).output.training).toMatchObject({ steps: 30, resumedFromStep: null })
    expect(readManifest(refStore, refKeys["medglm-general"]!).output.training).toMatchObject({ steps: 12, resumedFromStep: null })
    expect(readManifest(refStore, refKeys["medglm-h"]!).output.training).toMatchObject({ steps: 12, resumedFromStep: null })
    // no checkpoints are left once the stages are complete
    const checkpoints = path.join(refStore, "checkpoints")
    const left = fs.existsSync(checkpoints) ? fs.readdirSync(checkpoints).filter((k) => fs.readdirSync(path.join(checkpoints, k)).length > 0) : []
    expect(left).toEqual([])
  })

  it("a second run is fully cached, exits 0 and prints where the report is with the three models' scores", async () => {
    expect(ref.code, explain(ref)).toBe(0)
    const again = await runHepatobiliary(refStore)
    expect(again.code, explain(again)).toBe(0)
    const events = stageEvents(again)
    expect(events).toHaveLength(allStages.length)
    for (const e of events) expect(e.status, e.stage).toBe("cached")
    expect(stageKeys(again)).toEqual(refKeys)
    expect(again.events.filter((e) => e.type === "progress")).toEqual([])

    // without --json: the summary line, where the report is and the three models' headline scores
    const human = await zaoji(["run", workflowFile, "--store", refStore, ...setArgs(microSettings)])
    expect(human.code, explain(human)).toBe(0)
    expect(human.stderr).toContain(`hepatobiliary: 0 ran, ${allStages.length} cached, ${allStages.length} stages`)
    expect(human.stdout).toContain(`report (eval): ${path.join(artifactDir(refStore, refKeys.eval!), "report.md")}`)
    expect(human.stdout).toMatch(/^\s+base\s+stage1\s+stage2\s*$/m)
    expect(human.stdout).toMatch(/^exam acc\s+\d\.\d{3}\s+\d\.\d{3}\s+\d\.\d{3}\s*$/m)
    expect(human.stdout).toMatch(/^specialty QA BLEU-4\s+\d+\.\d+\s+\d+\.\d+\s+\d+\.\d+\s*$/m)
  })

  it("kill -9 during pretraining: the re-run resumes the base model from its checkpoint and ends with the uninterrupted weights", async () => {
    expect(ref.code, explain(ref)).toBe(0)
    const store = tempStore("kill-base")
    const { r: first, killedAt } = await killDuring(store, "base", 8)
    expect(first.signal, explain(first)).toBe("SIGKILL")
    expect(killedAt).toBeGreaterThanOrEqual(8)
    expect(fs.readdirSync(path.join(store, "checkpoints", refKeys.base!)).length).toBeGreaterThan(0)

    const second = await runHepatobiliary(store)
    expectResumed(first, second, "base", 5, 30)
    for (const stage of ["base", "medglm-general", "medglm-h"]) expectSameWeights(store, stage)
    expect(fs.existsSync(path.join(store, "checkpoints", refKeys.base!))).toBe(false)
  })

  it("kill -9 during stage 1: earlier stages are cached, P-Tuning resumes from its checkpoint, stage 1 and 2 weights equal the uninterrupted run's", async () => {
    expect(ref.code, explain(ref)).toBe(0)
    const store = tempStore("kill-stage1")
    const { r: first, killedAt } = await killDuring(store, "medglm-general", 4)
    expect(first.signal, explain(first)).toBe("SIGKILL")
    expect(killedAt).toBeGreaterThanOrEqual(4)
    expect(finishedStages(first)).toEqual(expect.arrayContaining(["corpus", "base", "kg", "kg-qa", "general-train"]))

    const second = await runHepatobiliary(store)
    expectResumed(first, second, "medglm-general", 3, 12)
    for (const stage of ["base", "medglm-general", "medglm-h"]) expectSameWeights(store, stage)
    const runs = (await zaoji(["runs", "--store", store, "--json"])).stdout.trim().split("\n").map((l) => JSON.parse(l))
    expect(runs.map((r) => r.status)).toEqual(["done", "interrupted"])
  })

  it("truncated model weights: a clear error naming the file (chat on the folder: exit 2; a stage reading it: exit 1)", async () => {
    expect(ref.code, explain(ref)).toBe(0)
    // a model folder given by the user
    const folder = path.join(path.dirname(tempStore("truncated")), "model")
    fs.cpSync(path.join(artifactDir(refStore, refKeys.base!), "model"), folder, { recursive: true })
    const weights = path.join(folder, "model.safetensors")
    fs.truncateSync(weights, Math.floor(fs.statSync(weights).size / 2))
    const chat = await zaoji(["chat", folder])
    expect(chat.code).toBe(2)
    expect(chat.stderr).toContain(weights)
    expect(chat.stderr).toMatch(/truncated/)
    noStackTrace(chat.stderr)

    // the same damage to an artifact inside a store: the stage that loads it fails, naming the file
    const store = path.join(path.dirname(folder), "store")
    fs.cpSync(refStore, store, { recursive: true })
    const inStore = path.join(artifactDir(store, refKeys.base!), "model", "model.safetensors")
    fs.truncateSync(inStore, Math.floor(fs.statSync(inStore).size / 2))
    const r = await zaoji(["run", workflowFile, "--store", store, "--json", ...setArgs(microSettings), "--force", "medglm-general"])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`stage medglm-general failed`)
    expect(r.stderr).toContain(inStore)
    expect(r.stderr).toMatch(/truncated/)
    noStackTrace(r.stderr)
    expect(r.events.at(-1)).toMatchObject({ type: "error", exitCode: 1 })
  })
})
