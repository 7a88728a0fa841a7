/**
 * Configuration of `metrics.compare` (paths are relative to the workflow folder). Rules between
 * fields are part of the Schema, so a wrong combination fails when the workflow is checked, before
 * any file is read or any model trained: `CompareConfig` holds the rules on the config alone,
 * `compareConfigFor(models)` adds those on the stage's model input names. Rules that also depend on
 * which inputs are wired are the stage's `checkWiring` (wiring.ts).
 */
import { Schema } from "effect"
import { NonNegInt, PosInt } from "@zaoji/core"
import { LlmEndpoint } from "@zaoji/llm/endpoint"
import { LEAKAGE_DEFAULTS, LeakageConfig } from "../leakage/config.js"

/** an exam-style (single-choice) set: the specialty exam or a general-ability set */
export const ExamSetConfig = Schema.Struct({
  file: Schema.NonEmptyString,
  /** a separate split the k-shot examples come from */
  examples: Schema.optional(Schema.NonEmptyString),
  shots: Schema.optionalWith(NonNegInt, { default: () => 0 }),
  methods: Schema.optionalWith(Schema.NonEmptyArray(Schema.Literal("loglik", "generate")), { default: () => ["loglik"] as const }),
  target: Schema.optionalWith(Schema.Literal("option", "letter"), { default: () => "option" as const }),
  /** keep only matching questions (before `limit`): the specialty slice of a mixed exam file */
  select: Schema.optional(
    Schema.Struct({
      /** questions flagged `is_hepatobiliary` (true) or not flagged (false) */
      hepatobiliary: Schema.optional(Schema.Boolean),
      subjects: Schema.optional(Schema.Array(Schema.String)),
      sources: Schema.optional(Schema.Array(Schema.String))
    })
  ),
  /** evaluate only the first N questions (file order, after `select`) */
  limit: Schema.optional(PosInt),
  defaultSubject: Schema.optionalWith(Schema.String, { default: () => "医学" }),
  batchSize: Schema.optionalWith(PosInt, { default: () => 8 })
})
export type ExamSetConfig = typeof ExamSetConfig.Type

/**
 * held-out QA pairs (the QaPair layout) for BLEU/ROUGE: from `file`, or from the stage input of the
 * same role (`heldOut` for `qa`, `generalQa` for `generalQa`) — one of the two, not both
 */
export const QaSetConfig = Schema.Struct({
  file: Schema.optional(Schema.NonEmptyString),
  /** evaluate only the first N pairs (file order) */
  limit: Schema.optional(PosInt)
})
export type QaSetConfig = typeof QaSetConfig.Type

/** subjective questions scored by an LLM judge or by human scores (one CSV per model) */
export const SubjectiveSetConfig = Schema.Struct({
  file: Schema.NonEmptyString,
  limit: Schema.optional(PosInt),
  judge: Schema.optional(LlmEndpoint),
  humanScores: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String }))
})

const QA_METRIC_IDS = [
  ...(["chatglm", "chatglm_skip"] as const).flatMap((v) => (["rouge-1", "rouge-2", "rouge-l", "bleu-4"] as const).map((k) => `${v}.${k}` as const)),
  "sacrebleu_zh",
  "rougeL_char"
] as const
/** what the regression gate can watch: the general exam's accuracies and the general QA metrics */
export const GATE_METRICS = ["acc", "acc_norm", "generate.acc", ...QA_METRIC_IDS.map((id) => `general_qa.${id}` as const)] as const

export const GateConfig = Schema.Struct({
  /** the earlier model others are compared with (default: the first model) */
  reference: Schema.optional(Schema.String),
  /**
   * a metric of a general-ability set: of the general exam "acc", "acc_norm" or "generate.acc"; or a
   * general QA metric id of metrics.json, e.g. "general_qa.chatglm.rouge-l" (maxDrop is then in its
   * own scale: ROUGE/BLEU 0–100, ROUGE-L char 0–1)
   */
  metric: Schema.optionalWith(Schema.Literal(...GATE_METRICS), { default: () => "acc" as const }),
  maxDrop: Schema.optionalWith(Schema.Number.pipe(Schema.nonNegative()), { default: () => 0.02 }),
  mode: Schema.optionalWith(Schema.Literal("fail", "flag"), { default: () => "flag" as const })
})

const CompareFields = Schema.Struct({
  title: Schema.optionalWith(Schema.String, { default: () => "Model comparison" }),
  exam: Schema.optional(ExamSetConfig),
  /** the specialty held-out QA set (or the `heldOut` input) */
  qa: Schema.optional(QaSetConfig),
  general: Schema.optional(ExamSetConfig),
  /** general-ability held-out QA, scored like `qa` and reported as its own set (or the `generalQa` input) */
  generalQa: Schema.optional(QaSetConfig),
  subjective: Schema.optional(SubjectiveSetConfig),
  /** greedy decoding always; the seed is recorded and passed to the runtime */
  decoding: Schema.optionalWith(
    Schema.Struct({
      maxNewTokens: Schema.optionalWith(PosInt, { default: () => 128 }),
      seed: Schema.optionalWith(Schema.Int, { default: () => 0 })
    }),
    { default: () => ({ maxNewTokens: 128, seed: 0 }) }
  ),
  bootstrap: Schema.optionalWith(
    Schema.Struct({
      resamples: Schema.optionalWith(PosInt, { default: () => 1000 }),
      seed: Schema.optionalWith(Schema.Int, { default: () => 1234 })
    }),
    { default: () => ({ resamples: 1000, seed: 1234 }) }
  ),
  gate: Schema.optional(GateConfig),
  /**
   * the leakage check: every evaluation set against all training data in each model's lineage.
   * Defaults: { maxFraction: 0, mode: "fail", examples: 3 } — any evaluation item found in a
   * compared model's training data fails the stage before any model is evaluated.
   */
  leakage: Schema.optionalWith(LeakageConfig, { default: () => LEAKAGE_DEFAULTS })
})

/** The comparison's settings, with the rules between its fields. */
export const CompareConfig = CompareFields.pipe(Schema.filter((c) => [...examplesForShots(c), ...gateOnGeneralExam(c), ...subjectiveScorer(c)]))
export type CompareConfig = typeof CompareConfig.Type
export type CompareConfigEncoded = typeof CompareConfig.Encoded

/** `CompareConfig` for a stage whose model inputs are `models`: the names the config refers to must be among them. */
export const compareConfigFor = (models: ReadonlyArray<string>) =>
  CompareConfig.pipe(Schema.filter((c) => [...gateReferenceIsModel(c, models), ...humanScoresAreModels(c, models)]))

/** the set a gate metric is measured on: the short names are the general exam's */
export const gateSet = (metric: string): "general" | "generalQa" => (metric.startsWith("general_qa.") ? "generalQa" : "general")

// internal

type Fields = typeof CompareFields.Type

/** k-shot examples come from a separate split, so `shots` > 0 needs `examples` */
const examplesForShots = (c: Fields): Array<Schema.FilterIssue> =>
  (["exam", "general"] as const).flatMap((role) => {
    const e = c[role]
    return e !== undefined && e.shots > 0 && e.examples === undefined
      ? [{ path: [role, "examples"], message: `shots is ${e.shots} but no examples file is given (k-shot examples come from a separate split)` }]
      : []
  })

/** a gate on the general exam needs that set, measured by the method the metric comes from */
const gateOnGeneralExam = (c: Fields): Array<Schema.FilterIssue> => {
  if (c.gate === undefined || gateSet(c.gate.metric) !== "general") return []
  const metric = c.gate.metric
  if (c.general === undefined)
    return [{ path: ["gate", "metric"], message: `"${metric}" is a metric of the general set, which is not configured (general.file)` }]
  const method = metric === "generate.acc" ? "generate" : "loglik"
  return c.general.methods.includes(method)
    ? []
    : [{ path: ["gate", "metric"], message: `"${metric}" is measured by the general set's ${method} method, which general.methods (${c.general.methods.join(", ")}) leaves out` }]
}

/** subjective answers are scored by a judge or by people: one of the two must be given */
const subjectiveScorer = (c: Fields): Array<Schema.FilterIssue> =>
  c.subjective !== undefined && c.subjective.judge === undefined && Object.keys(c.subjective.humanScores ?? {}).length === 0
    ? [{ path: ["subjective"], message: "give a judge endpoint (subjective.judge) or human scores (subjective.humanScores) for every model" }]
    : []

const gateReferenceIsModel = (c: Fields, models: ReadonlyArray<string>): Array<Schema.FilterIssue> =>
  c.gate?.reference !== undefined && !models.includes(c.gate.reference)
    ? [{ path: ["gate", "reference"], message: `"${c.gate.reference}" is not a model input (model inputs: ${models.join(", ")})` }]
    : []

const humanScoresAreModels = (c: Fields, models: ReadonlyArray<string>): Array<Schema.FilterIssue> =>
  Object.keys(c.subjective?.humanScores ?? {})
    .filter((m) => !models.includes(m))
    .map((m) => ({ path: ["subjective", "humanScores", m], message: `"${m}" is not a model input (model inputs: ${models.join(", ")})` }))
