/**
 * @zaoji/knowledge-graph: load a medical knowledge graph, select a specialty's entries, and turn
 * them into QA pairs (offline templates or any OpenAI-compatible LLM, through @zaoji/llm).
 * This entry is what a workflow imports: the stages, their Schemas and the selection; loading,
 * statistics and QA generation are in @zaoji/knowledge-graph/kit (the stages' runs load them).
 */
export { LoadConfig, GenerateConfig, KgOutput, QaOutput } from "./stages.js"
export { Selection, Condition, selectEntries } from "./select.js"
export { relationLabel, relationOf, type Relation } from "./relations.js"

import { generateQa, load } from "./stages.js"
/** the plugin's stages, for `w.stage("kg", KnowledgeGraph.load, …)` */
export const KnowledgeGraph = { load, generateQa } as const
