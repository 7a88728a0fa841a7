// Model core: configs, weights, forward, generation, scoring, model folders
export * from "./model/index.js"
export * from "./weights/index.js"
export * from "./generate/index.js"
export * from "./score/index.js"
export * from "./load/index.js"
// Tokenizers (SentencePiece ChatGLM families, the trainable tokenizer), chat formats, serving
export * from "./tokenizer/index.js"
export * from "./chat/index.js"
export * from "./serve/index.js"
// What a model-producing stage returns, and memory estimates before a model is loaded
export * from "./artifact.js"
export * from "./memory.js"
