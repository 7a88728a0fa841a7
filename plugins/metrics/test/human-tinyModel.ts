/**
 * A tiny glm2-architecture model with seeded random weights and a tokenizer trained on a few
 * medical sentences: enough to exercise generation end to end in milliseconds.
 */
import { mkdirSync } from "node:fs"
import { createModel, decodeGlmConfig, initWeights, saveModelFolder, saveTokenizer, trainTokenizer, type GlmConfig, type GlmModel, type Tokenizer } from "@zaoji/glm-runtime"

export const CORPUS = [
  "胆囊结石常见症状为右上腹痛，进食油腻后加重。",
  "乙肝患者应清淡饮食，严格戒酒，定期复查肝功能。",
  "肝功能检查包括转氨酶、胆红素和白蛋白。",
  "急性胰腺炎需要禁食、补液和镇痛。",
  "你好，请问有什么可以帮您？"
]

export const tinyTokenizer = (): Tokenizer => trainTokenizer(CORPUS, { vocabSize: 400, layout: "glm2", chatFormat: "glm2" })

export const tinyConfig = (tokenizer: Tokenizer): GlmConfig =>
  decodeGlmConfig({
    zaoji_arch: "glm2",
    padded_vocab_size: tokenizer.vocabSize,
    hidden_size: 32,
    num_attention_heads: 4,
    kv_channels: 8,
    num_layers: 2,
    ffn_hidden_size: 48,
    seq_length: 512,
    multi_query_group_num: 2,
    eos_token_id: tokenizer.special.eos,
    pad_token_id: tokenizer.special.pad
  })

// std 0.5 instead of a trained model's small weights: varied text from different seeds
export const tinyModel = (tokenizer: Tokenizer, seed: number): GlmModel => {
  const config = tinyConfig(tokenizer)
  return createModel(config, initWeights(config, { seed, std: 0.5 }))
}

/** the same model written as a model folder (config, weights, tokenizer) */
export const saveTinyModelFolder = (dir: string, tokenizer: Tokenizer, seed: number): void => {
  mkdirSync(dir, { recursive: true })
  const config = tinyConfig(tokenizer)
  const weights = initWeights(config, { seed, std: 0.5 })
  saveModelFolder(dir, config, weights)
  for (const t of Object.values(weights)) t.dispose()
  saveTokenizer(tokenizer, dir)
}
