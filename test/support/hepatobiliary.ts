/**
 * Running the hepatobiliary workflow as a `zaoji run … --json` child process in the micro size the
 * end-to-end tests use, and reading what it leaves in the store.
 */
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import type { ChildProcess } from "node:child_process"
import { readSafetensors } from "@zaoji/tensor"
import { type CliResult, repoRoot, zaoji } from "../engine/cliProcess.js"

export const workflowFile = path.join(repoRoot, "workflows/hepatobiliary.workflow.ts")

/**
 * The micro size: every training stage a few steps and checkpointing every few steps (so a kill
 * lands between checkpoints), the evaluation on a handful of items. Each field exists in its stage's
 * Schema; a wrong name would be exit 2 before anything runs.
 */
export const microSettings: ReadonlyArray<string> = [
  "base.preset=micro",
  "base.steps=30",
  "base.batchSize=8",
  "base.checkpointEvery=5",
  "medglm-general.steps=12",
  "medglm-general.checkpointEvery=3",
  "medglm-h.steps=12",
  "medglm-h.trainableLayers=1",
  "medglm-h.checkpointEvery=3",
  "eval.exam.limit=8",
  "eval.qa.limit=4",
  "eval.generalQa.limit=4",
  "eval.decoding.maxNewTokens=16"
]

export const setArgs = (settings: ReadonlyArray<string>): Array<string> => settings.flatMap((s) => ["--set", s])

export const tempStore = (label: string): string => path.join(fs.mkdtempSync(path.join(os.tmpdir(), `zaoji-e2e-${label}-`)), "store")

export interface RunOptions {
  /** --set values added after the micro ones (later wins) */
  readonly set?: ReadonlyArray<string>
  /** other arguments (--only …) */
  readonly args?: ReadonlyArray<string>
  readonly onEvent?: (e: any, child: ChildProcess) => void
}

/** `zaoji run workflows/hepatobiliary.workflow.ts --store STORE --json` in the micro size */
export const runHepatobiliary = (store: string, options: RunOptions = {}): Promise<CliResult> =>
  zaoji(["run", workflowFile, "--store", store, "--json", ...setArgs([...microSettings, ...(options.set ?? [])]), ...(options.args ?? [])], options.onEvent)

/** the terminal status of every stage (cached / done / failed / skipped) */
export const stageEvents = (r: CliResult, status?: string): ReadonlyArray<any> =>
  r.events.filter((e) => e.type === "stage" && (status === undefined || e.status === status))

/** stage id → artifact key, from a run's stage events */
export const stageKeys = (r: CliResult): Record<string, string> =>
  Object.fromEntries(stageEvents(r).map((e) => [e.stage, e.key]))

export const artifactDir = (store: string, key: string) => path.join(store, "artifacts", key)

export const readManifest = (store: string, key: string): any => JSON.parse(fs.readFileSync(path.join(artifactDir(store, key), "manifest.json"), "utf8"))

/** a one-paragraph view of a failed run, for assertion messages */
export const explain = (r: CliResult): string =>
  `exit ${r.code} (signal ${r.signal})\n${r.stderr.slice(-3000)}`

/** the trainable weights a model stage wrote: every safetensors file of its model folder */
export const modelWeightFiles = (store: string, key: string): Array<string> => {
  const dir = path.join(artifactDir(store, key), "model")
  return fs.readdirSync(dir).filter((f) => f.endsWith(".safetensors")).sort()
}

/**
 * Largest absolute difference between the tensors of two safetensors files; throws when the two
 * do not hold the same tensor names and shapes.
 */
export const maxAbsDiff = (fileA: string, fileB: string): number => {
  const a = readSafetensors(fileA)
  const b = readSafetensors(fileB)
  const names = [...a.keys()].sort()
  if (names.join("\n") !== [...b.keys()].sort().join("\n")) throw new Error(`${fileA} and ${fileB} hold different tensors`)
  let max = 0
  for (const n of names) {
    const x = a.get(n)!
    const y = b.get(n)!
    if (x.shape.join(",") !== y.shape.join(",")) throw new Error(`${n}: shape [${x.shape}] vs [${y.shape}]`)
    for (let i = 0; i < x.data.length; i++) {
      const d = Math.abs(x.data[i]! - y.data[i]!)
      if (!(d <= max)) max = Number.isNaN(d) ? Infinity : d
    }
  }
  return max
}

/** per weight file of a model stage: max |a − b| between two stores' artifacts of the same key */
export const weightDiffs = (storeA: string, storeB: string, key: string): Record<string, number> => {
  const files = modelWeightFiles(storeA, key)
  if (files.join() !== modelWeightFiles(storeB, key).join()) throw new Error(`model folders of ${key} hold different weight files`)
  return Object.fromEntries(
    files.map((f) => [f, maxAbsDiff(path.join(artifactDir(storeA, key), "model", f), path.join(artifactDir(storeB, key), "model", f))])
  )
}
