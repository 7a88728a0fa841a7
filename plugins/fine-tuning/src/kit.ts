/**
 * @zaoji/fine-tuning/kit: the fine-tuning kit the tuning stages run with (loads tfjs), for other
 * plugins' stage runs, tests and benchmarks; with everything the package entry exports.
 */
export * from "./index.js"
export { initBaseModel, writeModelFiles } from "./pretrain/baseModel.js"
export type { BaseModelSpec } from "./pretrain/baseModel.js"
export { readCorpus, corpusBlocks } from "./pretrain/corpus.js"
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
export { continuedState, loadTrainingState, saveTrainingState } from "./continueFrom.js"
