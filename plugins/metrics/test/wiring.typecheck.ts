/**
 * Type-level check (compiled by `tsc`, not run): model-producing stages wire into metrics.compare's
 * model inputs and QA datasets into its dataset inputs; any other output does not.
 */
import { Workflow } from "@zaoji/core"
import { FineTuning } from "@zaoji/fine-tuning"

const { pretrain } = FineTuning
import { Datasets } from "@zaoji/datasets"
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

export const datasetWiring = Workflow.make("datasets", (w) => {
  const base = w.ref<typeof pretrain>("base")
  const split = w.ref<typeof Datasets.split>("split")
  const test = w.stage("test", Datasets.pick, { part: "test" }, { split })
  const general = w.ref<typeof Datasets.merge>("general")
  w.stage("eval", Metrics.compare, { qa: { limit: 50 }, generalQa: { limit: 50 } }, { base, heldOut: test, generalQa: general })
  const two = Metrics.compareModels(["before", "after"])
  w.stage("eval-two", two, { qa: { limit: 50 } }, { before: base, after: base, heldOut: test })

  // @ts-expect-error a split (train/validation/test) is not one QA dataset: pick a part first
  w.stage("bad-split", Metrics.compare, {}, { base, heldOut: split })
  // @ts-expect-error a model is not a QA dataset
  w.stage("bad-general", Metrics.compare, {}, { base, generalQa: base })
  // @ts-expect-error a QA dataset is not a model
  w.stage("bad-model", Metrics.compare, {}, { base: test })
  // @ts-expect-error a dataset input the stage does not have
  w.stage("bad-name", Metrics.compare, {}, { base, heldout: test })
})
