/**
 * Type-level check (compiled by `tsc`, not run): model-producing stages wire into metrics.compare,
 * and a non-model output does not.
 */
import { Workflow } from "@zaoji/core"
import { pretrain } from "@zaoji/glm-runtime"
import { Metrics } from "../src/index.js"

export const missingBase = Workflow.make("missing", (w) => {
  const stage1 = w.ref<typeof pretrain>("s1")
  // @ts-expect-error the first model (base) must be wired
  w.stage("eval", Metrics.compare, { qa: { file: "qa.jsonl" } }, { stage1 })
})

export const wiring = Workflow.make("wiring", (w) => {
  const base = w.ref<typeof pretrain>("base")
  const ev = w.stage("eval", Metrics.compare, { qa: { file: "qa.jsonl" } }, { base, stage1: base })

  // @ts-expect-error a comparison report is not a model
  w.stage("eval2", Metrics.compare, { qa: { file: "qa.jsonl" } }, { base: ev })
})
