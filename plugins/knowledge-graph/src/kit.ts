/**
 * @zaoji/knowledge-graph/kit: the package entry, KG loading and statistics, template QA, and QA
 * generation with an LLM (loads the openai client).
 */
export * from "./index.js"
export { loadKg, type LoadKgOptions, type LoadedKg } from "./loadKg.js"
export { kgStats, type KgStats } from "./stats.js"
export { templateQa, defaultTemplates, defaultRelations, relationValue, type TemplateOptions } from "./templates.js"
export { defaultPrompts, parseJsonAnswer, llmWorkItems, generateLlm } from "./generateLlm.js"
