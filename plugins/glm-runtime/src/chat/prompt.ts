/**
 * Chat prompt formats and input-id layouts, following the final official code.
 *
 * glm1 (ChatGLM-6B `modeling_chatglm.py`, `chat`): a first question is the bare query; with
 *   history, rounds count from 0 with single line breaks:
 *   `[Round 0]\n问：q0\n答：r0\n[Round 1]\n问：q1\n答：`. (Early drafts of ChatGLM-6B and the
 *   ChatGLM2 format use `\n\n`; the final ChatGLM-6B code and its P-Tuning script use `\n`.)
 *   Ids: `encode(prompt) + [gMASK, <sop>]`.
 * glm2 (ChatGLM2-6B tokenizer `build_prompt`): rounds from 1, always present, double breaks:
 *   `[Round 1]\n\n问：q\n\n答：`. Ids: `[gMASK, sop] + encode(prompt)`.
 * glm3 (ChatGLM3-6B tokenizer `build_chat_input`): per message `<|role|>` + encode(metadata + "\n")
 *   + encode(content); then `<|assistant|>`. Ids: `[gMASK, sop] + …`.
 *
 * glm1/glm2 have no system or observation role: a system message is put before the first question
 * (separated by a line break) and observation messages are treated as user turns.
 */
import type { ChatFormat, ChatMessage, GenerationInput, Tokenizer, TrainingExample } from "../tokenizer/types.js"

export class ChatInputError extends Error {
  override readonly name = "ChatInputError"
}

export interface Turn {
  readonly query: string
  readonly response: string
}

/** Split messages into (query, response) history and the final query. */
export const messagesToTurns = (messages: ReadonlyArray<ChatMessage>): { history: Turn[]; query: string } => {
  let system = ""
  const rest: ChatMessage[] = []
  messages.forEach((m) => {
    if (m.role === "system") system += (system === "" ? "" : "\n") + m.content
    else rest.push(m.role === "observation" ? { role: "user", content: m.content } : m)
  })
  // merge consecutive messages of the same role, so "user,user,assistant" is one turn
  const merged: ChatMessage[] = []
  for (const m of rest) {
    const last = merged[merged.length - 1]
    if (last !== undefined && last.role === m.role) merged[merged.length - 1] = { role: m.role, content: `${last.content}\n${m.content}` }
    else merged.push(m)
  }
  if (merged.length === 0 || merged[merged.length - 1].role !== "user")
    throw new ChatInputError("messages: expected the last non-system message to be from the user")
  if (merged[0].role !== "user") throw new ChatInputError(`messages[0]: expected a user message first (after system messages), found ${merged[0].role}`)
  const history: Turn[] = []
  for (let i = 0; i + 1 < merged.length; i += 2) history.push({ query: merged[i].content, response: merged[i + 1].content })
  const query = merged[merged.length - 1].content
  if (system !== "") {
    if (history.length > 0) history[0] = { query: `${system}\n${history[0].query}`, response: history[0].response }
    else return { history, query: `${system}\n${query}` }
  }
  return { history, query }
}

/** The prompt text of the glm1/glm2 formats. */
export const promptText = (format: "glm1" | "glm2", history: ReadonlyArray<Turn>, query: string): string => {
  if (format === "glm1") {
    if (history.length === 0) return query
    let p = ""
    history.forEach((t, i) => (p += `[Round ${i}]\n问：${t.query}\n答：${t.response}\n`))
    return p + `[Round ${history.length}]\n问：${query}\n答：`
  }
  let p = ""
  history.forEach((t, i) => (p += `[Round ${i + 1}]\n\n问：${t.query}\n\n答：${t.response}\n\n`))
  return p + `[Round ${history.length + 1}]\n\n问：${query}\n\n答：`
}

/** glm1 puts the generation marks after the text, glm2/3 before it. */
export const wrapForGeneration = (tokenizer: Tokenizer, ids: ReadonlyArray<number>): number[] => {
  const { gmask, sop } = tokenizer.special
  return tokenizer.layout === "glm1" ? [...ids, gmask, sop] : [gmask, sop, ...ids]
}

const glm3Message = (tokenizer: Tokenizer, role: ChatMessage["role"], content: string, metadata = ""): number[] => {
  const roles = tokenizer.special.roles
  if (roles === undefined) throw new ChatInputError(`the glm3 chat format needs a tokenizer with role tokens (this one is ${tokenizer.family})`)
  return [roles[role], ...tokenizer.encode(`${metadata}\n`), ...tokenizer.encode(content)]
}

/** Input ids for answering the last user message (the format defaults to the tokenizer's). */
export const buildGenerationInput = (
  tokenizer: Tokenizer,
  messages: ReadonlyArray<ChatMessage>,
  format: ChatFormat = tokenizer.chatFormat
): GenerationInput => {
  if (format === "glm3") {
    if (messages.length === 0 || messages[messages.length - 1].role === "assistant")
      throw new ChatInputError("messages: expected the last message to be from the user (or an observation)")
    const ids: number[] = []
    for (const m of messages) ids.push(...glm3Message(tokenizer, m.role, m.content))
    ids.push(tokenizer.special.roles!.assistant)
    return { ids: [tokenizer.special.gmask, tokenizer.special.sop, ...ids], text: messages.map((m) => `<|${m.role}|>\n${m.content}`).join("") + "<|assistant|>" }
  }
  const { history, query } = messagesToTurns(messages)
  const text = promptText(format, history, query)
  return { ids: wrapForGeneration(tokenizer, tokenizer.encode(text)), text }
}

export interface TrainingLayoutOptions {
  /** truncate the encoded prompt to this many ids (before the special tokens are added) */
  readonly maxSourceLength?: number
  /** truncate the encoded answer to this many ids (before eos) */
  readonly maxTargetLength?: number
}

/**
 * One supervised example as the official P-Tuning scripts lay it out:
 * glm1 `prompt + [gMASK, <sop>] + answer + [<eop>]`, loss on `<sop>, answer, <eop>`;
 * glm2 `[gMASK, sop] + prompt + answer + [</s>]`, loss on `answer, </s>`.
 * Labels are aligned with inputIds (the trainer shifts by one); -100 means no loss.
 */
export const buildTrainingExample = (
  tokenizer: Tokenizer,
  promptIds: ReadonlyArray<number>,
  answerIds: ReadonlyArray<number>,
  options: TrainingLayoutOptions = {}
): TrainingExample => {
  const src = options.maxSourceLength === undefined ? [...promptIds] : promptIds.slice(0, options.maxSourceLength)
  const tgt = options.maxTargetLength === undefined ? [...answerIds] : answerIds.slice(0, options.maxTargetLength)
  const { gmask, sop, eos } = tokenizer.special
  if (tokenizer.layout === "glm1") {
    const inputIds = [...src, gmask, sop, ...tgt, eos]
    const labels = [...src.map(() => -100), -100, sop, ...tgt, eos]
    return { inputIds, labels }
  }
  const inputIds = [gmask, sop, ...src, ...tgt, eos]
  const labels = [-100, -100, ...src.map(() => -100), ...tgt, eos]
  return { inputIds, labels }
}
