/**
 * A `ChatEngine` turns chat messages into a streamed reply: it builds the model's prompt format,
 * runs token generation, detokenizes incrementally (never splitting a UTF-8 character), applies
 * the official response post-processing and OpenAI-style stop strings, and counts tokens.
 * It is generic over the token generator, so the server and the REPL work with any model.
 */
import { streamTokens } from "../generate/generate.js"
import type { GenerateOptions, GenerationResult, GlmModel } from "../model/types.js"
import type { ChatFormat, ChatMessage, Tokenizer } from "../tokenizer/types.js"
import { buildGenerationInput, ChatInputError } from "./prompt.js"
import { processResponse, ResponseStreamer } from "./response.js"

export interface SamplingOptions {
  readonly maxTokens?: number
  /** 0 = greedy */
  readonly temperature?: number
  readonly topP?: number
  readonly topK?: number
  readonly repetitionPenalty?: number
  readonly seed?: number
  /** OpenAI-style stop strings: the reply is cut before the first one */
  readonly stop?: ReadonlyArray<string>
}

export interface ChatRequest extends SamplingOptions {
  readonly messages: ReadonlyArray<ChatMessage>
  readonly signal?: AbortSignal
}

export interface ChatCompletion {
  readonly text: string
  readonly finishReason: "stop" | "length"
  readonly promptTokens: number
  readonly completionTokens: number
}

export interface ChatEngine {
  /** the id the server reports in /v1/models */
  readonly modelId: string
  readonly tokenizer: Tokenizer
  readonly format: ChatFormat
  /** longest prompt + reply the model accepts */
  readonly maxContext: number
  /** yields text deltas; returns the whole completion (deltas concatenate to `text`) */
  chat(request: ChatRequest): AsyncGenerator<string, ChatCompletion>
}

/** A model's token stream for one prompt (MODEL's `streamTokens` fits). */
export type TokenStream = (prompt: ReadonlyArray<number>, options: GenerateOptions) => AsyncGenerator<number, GenerationResult>

export interface ChatEngineOptions {
  readonly modelId: string
  readonly tokenizer: Tokenizer
  readonly stream: TokenStream
  readonly maxContext: number
  readonly format?: ChatFormat
  /** sampling used when a request leaves a field out */
  readonly defaults?: SamplingOptions
}

export const DEFAULT_MAX_TOKENS = 256

/** length of the longest suffix of `text` that is a proper prefix of a stop string */
const pendingStopPrefix = (text: string, stops: ReadonlyArray<string>): number => {
  let best = 0
  for (const s of stops) for (let k = Math.min(s.length - 1, text.length); k > best; k--) if (text.endsWith(s.slice(0, k))) best = k
  return best
}

/** A simple FIFO lock: one generation at a time per model. */
const makeLock = () => {
  let tail: Promise<void> = Promise.resolve()
  return async (): Promise<() => void> => {
    let release!: () => void
    const next = new Promise<void>((r) => (release = r))
    const prev = tail
    tail = prev.then(() => next)
    await prev
    return release
  }
}

export const makeChatEngine = (options: ChatEngineOptions): ChatEngine => {
  const { tokenizer, stream } = options
  const format = options.format ?? tokenizer.chatFormat
  const lock = makeLock()
  return {
    modelId: options.modelId,
    tokenizer,
    format,
    maxContext: options.maxContext,
    async *chat(request) {
      const s = { ...options.defaults, ...Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined)) } as ChatRequest
      const input = buildGenerationInput(tokenizer, request.messages, format)
      const promptTokens = input.ids.length
      const room = options.maxContext - promptTokens
      if (room <= 0)
        throw new ChatInputError(`messages: the prompt is ${promptTokens} tokens, the model's context is ${options.maxContext}`)
      const maxNewTokens = Math.min(s.maxTokens ?? DEFAULT_MAX_TOKENS, room)
      const stops = (s.stop ?? []).filter((x) => x.length > 0)
      const release = await lock()
      const tokens: number[] = []
      const streamer = new ResponseStreamer(format)
      let finishReason: "stop" | "length" = "length"
      let cut: string | undefined
      const gen = stream(input.ids, {
        maxNewTokens,
        temperature: s.temperature ?? 0,
        doSample: (s.temperature ?? 0) > 0,
        topP: s.topP,
        topK: s.topK,
        repetitionPenalty: s.repetitionPenalty,
        seed: s.seed,
        stopIds: tokenizer.stopIds,
        signal: request.signal
      })
      try {
        for (;;) {
          const r = await gen.next()
          if (r.done) {
            finishReason = r.value.finishReason[0] ?? "length"
            break
          }
          tokens.push(r.value)
          if (tokenizer.stopIds.includes(r.value)) {
            finishReason = "stop"
            break
          }
          const text = tokenizer.decode(tokens)
          const hit = stops.map((x) => text.indexOf(x)).filter((i) => i >= 0)
          if (hit.length > 0) {
            cut = text.slice(0, Math.min(...hit))
            finishReason = "stop"
            break
          }
          const delta = streamer.push(text.slice(0, text.length - pendingStopPrefix(text, stops)))
          if (delta !== "") yield delta
          if (request.signal?.aborted) break
        }
      } finally {
        // ends the model's generator early too, so it frees its KV cache
        await gen.return({ tokens: [tokens], finishReason: [finishReason] })
        release()
      }
      const raw = cut ?? tokenizer.decode(tokens)
      const last = streamer.finish(raw)
      if (last !== "") yield last
      return { text: processResponse(format, raw), finishReason, promptTokens, completionTokens: tokens.length }
    }
  }
}

/** A chat engine over a loaded model (its context length comes from the config). */
export const chatEngineFromModel = (
  model: GlmModel,
  tokenizer: Tokenizer,
  options: { readonly modelId: string; readonly format?: ChatFormat; readonly defaults?: SamplingOptions }
): ChatEngine => {
  const cfg = model.config
  const maxContext = cfg.zaoji_arch === "glm1" ? cfg.max_sequence_length : cfg.seq_length
  return makeChatEngine({ ...options, tokenizer, maxContext, stream: (prompt, o) => streamTokens(model, prompt, o) })
}

/** Run a chat request to the end (no streaming). */
export const completeChat = async (engine: ChatEngine, request: ChatRequest): Promise<ChatCompletion> => {
  const it = engine.chat(request)
  for (;;) {
    const r = await it.next()
    if (r.done) return r.value
  }
}
