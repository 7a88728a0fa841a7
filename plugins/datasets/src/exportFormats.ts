/**
 * The formats people already train with. Alpaca and ShareGPT follow LLaMA-Factory's
 * `dataset_info.json` conventions; the ChatGLM P-Tuning v2 scripts read JSON Lines with
 * prompt/response/history columns.
 */
import type { QaPair } from "@zaoji/data"

export type ExportFormat = "alpaca" | "sharegpt" | "chatglm"

export const toAlpaca = (rows: ReadonlyArray<QaPair>, system?: string) =>
  rows.map((p) => ({
    instruction: p.question,
    input: "",
    output: p.answer,
    ...(system ? { system } : {}),
    ...(p.history?.length ? { history: p.history.map(([q, a]) => [q, a]) } : {})
  }))

export const toShareGpt = (rows: ReadonlyArray<QaPair>, system?: string) =>
  rows.map((p) => ({
    conversations: [
      ...(p.history ?? []).flatMap(([q, a]) => [
        { from: "human", value: q },
        { from: "gpt", value: a }
      ]),
      { from: "human", value: p.question },
      { from: "gpt", value: p.answer }
    ],
    ...(system ? { system } : {})
  }))

export const toChatGlm = (rows: ReadonlyArray<QaPair>) =>
  rows.map((p) => ({ prompt: p.question, response: p.answer, history: (p.history ?? []).map(([q, a]) => [q, a]) }))

/** the LLaMA-Factory dataset_info.json entry for an exported file */
export const datasetInfoEntry = (format: "alpaca" | "sharegpt", fileName: string, withSystem: boolean) =>
  format === "alpaca"
    ? {
        file_name: fileName,
        columns: { prompt: "instruction", query: "input", response: "output", history: "history", ...(withSystem ? { system: "system" } : {}) }
      }
    : {
        file_name: fileName,
        formatting: "sharegpt",
        columns: { messages: "conversations", ...(withSystem ? { system: "system" } : {}) },
        tags: { role_tag: "from", content_tag: "value", user_tag: "human", assistant_tag: "gpt" }
      }
