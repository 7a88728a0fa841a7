/**
 * @zaoji/metrics: the evaluation stages — `metrics.compare` (text metrics, exam accuracy,
 * subjective score, leakage check, regression gate, report) and `metrics.blind-kit` (the human
 * evaluation kit). This entry is what a workflow imports: the stages' definitions and config
 * Schemas, loading no model, tfjs, jieba or SQLite (each stage's run loads them when it runs).
 * The metrics themselves, the report renderers and the human-evaluation kit are
 * `@zaoji/metrics/kit`.
 */
import { compare, compareModels } from "./compare/stage.js"
import { blindKit } from "./human/blindKitStage.js"

/** the plugin's stages, for `w.stage("eval", Metrics.compare, …)` */
export const Metrics = { compare, compareModels, blindKit } as const

export { CompareConfig, ExamSetConfig, QaSetConfig, SubjectiveSetConfig, GateConfig } from "./compare/config.js"
export { compareModels, CompareOutput, type CompareInputs, type CompareDataInputs } from "./compare/stage.js"
export type { ModelInput } from "./compare/resolveModel.js"
export { BlindKitConfig, BlindKitOutput, MODEL_INPUTS as BLIND_KIT_MODEL_INPUTS } from "./human/blindKitStage.js"
export { LeakageConfig } from "./leakage/config.js"
