/**
 * @zaoji/fine-tuning: what every GLM training stage shares — the settings (one Schema), the GLM
 * training program, running it inside a stage (workers, memory check, progress, metrics),
 * supervised QA data, writing adapter model folders, continuing a finished run — and the
 * `glm.pretrain` stage, which trains (or imports) the base model with the same kit.
 */
import { pretrain } from "./pretrain/stage.js"

export const FineTuning = { pretrain } as const

export { PretrainConfig } from "./pretrain/stage.js"
export type { CorpusInput } from "./pretrain/stage.js"
export { initBaseModel, writeModelFiles } from "./pretrain/baseModel.js"
export type { BaseModelSpec } from "./pretrain/baseModel.js"
export { readCorpus, corpusBlocks } from "./pretrain/corpus.js"
export { fineTuningFields, supervisedFields, continueFromField } from "./settings.js"
export type { FineTuningSettings } from "./settings.js"
export { tuningInputs } from "./inputs.js"
export type { TuningInputs } from "./inputs.js"
export { createProgram as createGlmProgram, loadStartingTensors } from "./program.js"
export type { GlmProgramArgs } from "./program.js"
export { supervisedLoss, lmHeadName } from "./supervisedLoss.js"
export type { SupervisedLoss, SupervisedLossOptions } from "./supervisedLoss.js"
export { glmProgramModule } from "./programModule.js"
export { initTensor, INIT_STD } from "./init.js"
export { buildExample, buildExamples } from "./examples.js"
export type { SupervisedPair, ExampleLimits, TruncationStats } from "./examples.js"
export { runTraining, summarize, recordMetrics, matmulParams, gflopPerStep } from "./run.js"
export type { RunTrainingInput } from "./run.js"
export { readQaPairs, holdOut, prepareSupervised, supervisedFromInputs, tokenizerOfModel, openInputModel } from "./supervised.js"
export type { SupervisedData } from "./supervised.js"
export { writeAdapterModel, describeModelFolder, copyAdapterFile, carryAdapters } from "./adapters.js"
export type { AdapterOutput } from "./adapters.js"
export { continueFromRule, continuedState, loadTrainingState, saveTrainingState, TRAINING_STATE_DIR } from "./continueFrom.js"
