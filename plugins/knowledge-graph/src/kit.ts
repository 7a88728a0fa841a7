/** @zaoji/knowledge-graph/kit: the package entry and QA generation with an LLM (loads the openai client). */
export * from "./index.js"
export { defaultPrompts, parseJsonAnswer, llmWorkItems, generateLlm } from "./generateLlm.js"
