/**
 * @zaoji/datasets: the dataset stages every QA source shares — load a file, cut a plain-text
 * corpus, split (seeded, stratified), pick one part of a split, merge, sample, and export in the
 * formats trainers read (Alpaca, ShareGPT, ChatGLM).
 */
import { exportDataset, load, merge, sample, split } from "./stages.js"
import { corpus } from "./corpus.js"
import { pick } from "./pick.js"

/** the plugin's stages, for `w.stage("split", Datasets.split, …)` */
export const Datasets = { load, corpus, split, pick, merge, sample, export: exportDataset } as const

export { LoadConfig, SplitConfig, SplitOutput, MergeConfig, MergeOutput, SampleConfig, ExportConfig, ExportOutput } from "./stages.js"
export { CorpusConfig } from "./corpus.js"
export { PickConfig } from "./pick.js"
export { splitPairs, samplePairs, countBy, stratumOf, type StratifyBy, type SplitRatios } from "./split.js"
export { toAlpaca, toShareGpt, toChatGlm, datasetInfoEntry, type ExportFormat } from "./exportFormats.js"
