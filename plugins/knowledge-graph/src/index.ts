/**
 * @zaoji/knowledge-graph: load a medical knowledge graph, select a specialty's entries, and turn
 * them into QA pairs (offline templates or any OpenAI-compatible LLM, through @zaoji/llm).
 */
export { LoadConfig, GenerateConfig, KgOutput, QaOutput } from "./stages.js"
export { loadKg, type LoadKgOptions, type LoadedKg } from "./loadKg.js"
export { Selection, Condition, selectEntries } from "./select.js"
export { kgStats, type KgStats } from "./stats.js"
export { templateQa, defaultTemplates, defaultRelations, relationValue, type TemplateOptions } from "./templates.js"
export { relationLabel, relationOf, type Relation } from "./relations.js"

import { generateQa, load } from "./stages.js"
/** the plugin's stages, for `w.stage("kg", KnowledgeGraph.load, …)` */
export const KnowledgeGraph = { load, generateQa } as const
