/** A tiny random-weight chat model (trained tokenizer + micro preset) for the serving tests. */
import { ensureBackend } from "@zaoji/tensor"
import { chatEngineFromModel, createModel, initWeights, presetConfig, trainTokenizer, type ChatEngine, type ChatFormat, type GlmModel } from "../src/index.js"

export const corpus = [
  "胆囊结石的常见症状是右上腹疼痛，可放射至右肩背部。",
  "肝硬化患者应定期复查肝功能和腹部B超。",
  "Hepatitis B virus infection is a common cause of cirrhosis.",
  "问：肝炎怎么治疗？答：需要根据病因选择抗病毒治疗。",
  "hepatitis cirrhosis ALT AST 2023 120 U/L"
]

export const makeTinyChat = async (
  layout: "glm1" | "glm2",
  chatFormat?: ChatFormat,
  seed = 7
): Promise<{ engine: ChatEngine; model: GlmModel }> => {
  await ensureBackend()
  const tokenizer = trainTokenizer(corpus, { vocabSize: 420, layout, chatFormat })
  const config = presetConfig("micro", { arch: layout, tokenizer })
  // std 0.2 gives peaked, input-dependent logits, so replies differ between prompts
  const model = createModel(config, initWeights(config, { seed, std: 0.2 }))
  return { engine: chatEngineFromModel(model, tokenizer, { modelId: `zaoji-micro-${layout}` }), model }
}
