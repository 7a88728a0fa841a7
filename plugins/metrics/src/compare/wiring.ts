/**
 * `metrics.compare`'s rules between its config and its wired inputs, checked with the config when the
 * workflow is planned (before any file is read): which models are compared, where each QA set comes
 * from, and what the gate and the human scores refer to.
 */
import type { WiringIssue } from "@zaoji/core"
import { type CompareConfig, gateSet } from "./config.js"

/** the QA sets: config key, the dataset input that can stand in for its file, the report's name */
export const QA_SETS = [
  { key: "qa", input: "heldOut", role: "qa" },
  { key: "generalQa", input: "generalQa", role: "general QA" }
] as const
export type QaSet = (typeof QA_SETS)[number]
export const DATA_INPUTS: ReadonlyArray<string> = QA_SETS.map((q) => q.input)

/** every problem of `config` given the stage's model input names and the inputs wired */
export const compareWiringIssues = (config: CompareConfig, models: ReadonlyArray<string>, wired: ReadonlyArray<string>): Array<WiringIssue> => {
  const wiredModels = models.filter((m) => wired.includes(m))
  if (wiredModels.length === 0) return [{ field: "inputs", message: `metrics.compare needs at least one model input (one of ${models.join(", ")})` }]
  return [...someSet(config, wired), ...qaSources(config, wired), ...gateRefersToWired(config, wired, wiredModels), ...humanScoresForWired(config, wiredModels)]
}

// internal

const someSet = (c: CompareConfig, wired: ReadonlyArray<string>): Array<WiringIssue> =>
  c.exam || c.qa || c.general || c.generalQa || c.subjective || QA_SETS.some((q) => wired.includes(q.input))
    ? []
    : [{ field: "", message: "configure at least one of exam, qa, general, generalQa, subjective (or wire heldOut / generalQa)" }]

/** a QA set comes from its file or from its dataset input: one of the two */
const qaSources = (c: CompareConfig, wired: ReadonlyArray<string>): Array<WiringIssue> =>
  QA_SETS.flatMap((set) => {
    const cfg = c[set.key]
    const fromInput = wired.includes(set.input)
    if (cfg?.file !== undefined && fromInput)
      return [
        {
          field: `${set.key}.file`,
          message: `${set.key}.file ("${cfg.file}") and the ${set.input} input are both given; a set comes from one of them: remove ${set.key}.file or leave ${set.input} unwired`
        }
      ]
    if (cfg !== undefined && cfg.file === undefined && !fromInput)
      return [{ field: set.key, message: `expected a file (${set.key}.file) or a wired ${set.input} input, got neither` }]
    return []
  })

const gateRefersToWired = (c: CompareConfig, wired: ReadonlyArray<string>, wiredModels: ReadonlyArray<string>): Array<WiringIssue> => {
  if (c.gate === undefined) return []
  const issues: Array<WiringIssue> = []
  // the general exam's side of this rule is the config Schema's (it needs no wiring)
  if (gateSet(c.gate.metric) === "generalQa" && c.generalQa === undefined && !wired.includes("generalQa"))
    issues.push({
      field: "gate.metric",
      message: `"${c.gate.metric}" is a metric of the generalQa set, which is not configured (generalQa.file or a wired generalQa input)`
    })
  if (c.gate.reference !== undefined && !wiredModels.includes(c.gate.reference))
    issues.push({ field: "gate.reference", message: `"${c.gate.reference}" is not a wired model input (wired: ${wiredModels.join(", ")})` })
  return issues
}

const humanScoresForWired = (c: CompareConfig, wiredModels: ReadonlyArray<string>): Array<WiringIssue> => {
  const sc = c.subjective
  if (sc === undefined) return []
  const given = Object.keys(sc.humanScores ?? {})
  const unwired = given.filter((m) => !wiredModels.includes(m))
  const missing = wiredModels.filter((m) => !given.includes(m))
  return [
    ...unwired.map((m) => ({ field: "subjective.humanScores", message: `"${m}" is not a wired model input (wired: ${wiredModels.join(", ")})` })),
    ...(sc.judge === undefined && missing.length > 0
      ? [{ field: "subjective", message: `give a judge endpoint or human scores for every model (no human scores for ${missing.join(", ")})` }]
      : [])
  ]
}
