/**
 * FLOPs counted from the work a benchmark step does, with one formula for Zaoji and PyTorch (both
 * sides run the LM head on the same rows, so the same count is credited to each).
 *
 * Matmul FLOPs only (a multiply-add is 2). The body (every matmul weight but the input embedding and
 * the LM head) runs on every token; the head runs only on the rows that need logits: positions with a
 * target in training, the last position of each row in prompt processing, the new position in
 * decoding. Attention products (QKᵀ and PV) are counted over full, unmasked matrices, as computed.
 */
import { baseWeightShapes, loraWeightShapes, type GlmConfig } from "@zaoji/glm-runtime"

export type TrainMode = "full" | "freeze" | "prefix" | "lora"

export interface ModelSizes {
  /** body matmul parameters: all weights but the input embedding and the LM head */
  readonly body: number
  /** LM head parameters (vocab × hidden) */
  readonly head: number
  /** body matmul parameters of the trainable last layers (freeze mode) */
  readonly lastLayers: number
  readonly layers: number
  readonly freezeLayers: number
  readonly hidden: number
  /** LoRA A and B parameters (0 without `zaoji_lora` in the config) */
  readonly lora: number
}

const size = (shape: ReadonlyArray<number>) => shape.reduce((a, b) => a * b, 1)

export const modelSizes = (cfg: GlmConfig, freezeLayers: number): ModelSizes => {
  const shapes = Object.entries(baseWeightShapes(cfg))
  const count = (pred: (name: string) => boolean) => shapes.filter(([n]) => pred(n)).reduce((a, [, s]) => a + size(s), 0)
  const isEmbedding = (n: string) => n.includes("word_embeddings") || n.startsWith("transformer.embedding.")
  const isHead = (n: string) => n.startsWith("lm_head") || n.startsWith("transformer.output_layer")
  const layers = cfg.num_layers
  const last = Array.from({ length: freezeLayers }, (_, i) => `layers.${layers - freezeLayers + i}.`)
  return {
    body: count((n) => !isEmbedding(n) && !isHead(n)),
    head: count(isHead),
    lastLayers: count((n) => last.some((p) => n.includes(p))),
    layers,
    freezeLayers,
    hidden: cfg.hidden_size,
    lora: Object.values(loraWeightShapes(cfg)).reduce((a, s) => a + size(s), 0)
  }
}

/** QKᵀ and PV forward FLOPs for one query over `context` keys in `layers` layers. */
const attention = (m: ModelSizes, layers: number, context: number) => 4 * layers * context * m.hidden

/**
 * One training step: `tokens` positions through the body (each attending over `context` keys,
 * prefix included), `headRows` positions through the head.
 *   full:   forward 2, backward 4 (activation and weight gradients) on everything
 *   freeze: forward 2 on everything; backward: activation gradients through the head and the last
 *           layers, weight gradients of the last layers (4 per trainable-layer parameter)
 *   prefix: forward 2; activation gradients through every layer (2); no weight gradients but the
 *           prefix table's (a lookup)
 *   lora:   as prefix for the frozen body, plus the adapters: forward 2, activation gradients 2 and
 *           weight gradients 2 per A/B parameter (B A x runs as two thin matmuls)
 */
export const trainStepFlops = (m: ModelSizes, mode: TrainMode, tokens: number, headRows: number, context: number): number => {
  const attnAll = attention(m, m.layers, context)
  const attnLast = attention(m, m.freezeLayers, context)
  switch (mode) {
    case "full":
      return tokens * (6 * m.body + 3 * attnAll) + headRows * 6 * m.head
    case "freeze":
      return tokens * (2 * m.body + 4 * m.lastLayers + attnAll + 2 * attnLast) + headRows * 4 * m.head
    case "prefix":
      return tokens * (4 * m.body + 3 * attnAll) + headRows * 4 * m.head
    case "lora":
      return tokens * (4 * m.body + 6 * m.lora + 3 * attnAll) + headRows * 4 * m.head
  }
}

/** Prompt processing of `rows` prompts of `length` tokens, logits for the last position only. */
export const prefillFlops = (m: ModelSizes, rows: number, length: number): number =>
  rows * (length * (2 * m.body + attention(m, m.layers, length)) + 2 * m.head)

/** Greedy decoding of `steps` tokens for `rows` rows after a prompt of `prompt` tokens (KV cache). */
export const decodeFlops = (m: ModelSizes, rows: number, prompt: number, steps: number): number => {
  let perRow = 0
  for (let i = 1; i <= steps; i++) perRow += 2 * m.body + 2 * m.head + attention(m, m.layers, prompt + i)
  return rows * perRow
}

/** Rows with a target after the one-position shift (labels[t + 1] is not ignored), as the loss uses them. */
export const targetRows = (labels: ReadonlyArray<ReadonlyArray<number>>, ignore = -100): number => {
  let n = 0
  for (const row of labels) for (let t = 0; t + 1 < row.length; t++) if (row[t + 1] !== ignore) n++
  return n
}
