/** @zaoji/records/kit: the package entry and the LLM polishing of QA pairs (loads the openai client). */
export * from "./index.js"
export { polishPairs, defaultPolishPrompt } from "./polish.js"
