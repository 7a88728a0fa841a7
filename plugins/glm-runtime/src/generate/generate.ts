/**
 * Generation with the KV cache: the prompt batch (left-padded) runs once, then one token per row per
 * step sees every cached key. Rows that have stopped keep feeding a pad so the batch stays
 * rectangular; their outputs are ignored.
 */
import { defaultStopIds } from "../model/config.js"
import { disposeCache, forward } from "../model/forward.js"
import type { GenerateOptions, GenerationResult, GlmModel, KvCache, TokenEvent } from "../model/types.js"
import { makeRng } from "./rng.js"
import { chooseToken, type SamplingParams } from "./sampling.js"

const samplingParams = (o: GenerateOptions): SamplingParams => {
  const doSample = o.doSample ?? (o.temperature !== undefined && o.temperature > 0)
  const temperature = o.temperature === undefined || o.temperature <= 0 ? 1 : o.temperature
  return {
    doSample: doSample && (o.temperature === undefined || o.temperature > 0),
    temperature,
    topK: o.topK ?? 0,
    topP: o.topP ?? 1,
    repetitionPenalty: o.repetitionPenalty ?? 1
  }
}

const validate = (model: GlmModel, prompts: ReadonlyArray<ReadonlyArray<number>>, o: GenerateOptions): void => {
  if (prompts.length === 0) throw new Error("generate: no prompts")
  if (prompts.some((p) => p.length === 0)) throw new Error("generate: a prompt is empty")
  if (!Number.isInteger(o.maxNewTokens) || o.maxNewTokens < 0) throw new Error(`generate: maxNewTokens must be a non-negative integer, got ${o.maxNewTokens}`)
  if (o.topP !== undefined && !(o.topP > 0 && o.topP <= 1)) throw new Error(`generate: topP must be in (0, 1], got ${o.topP}`)
  if (o.topK !== undefined && (!Number.isInteger(o.topK) || o.topK < 0)) throw new Error(`generate: topK must be a non-negative integer, got ${o.topK}`)
  if (o.repetitionPenalty !== undefined && !(o.repetitionPenalty > 0)) throw new Error(`generate: repetitionPenalty must be > 0, got ${o.repetitionPenalty}`)
  void model
}

/** Left-pad rows to a common length; returns the ids and each row's pad count. */
export const leftPad = (rows: ReadonlyArray<ReadonlyArray<number>>, padId: number): { ids: number[][]; pads: number[] } => {
  const n = Math.max(...rows.map((r) => r.length))
  const pads = rows.map((r) => n - r.length)
  return { ids: rows.map((r, i) => [...new Array(pads[i]).fill(padId), ...r]), pads }
}

/**
 * The step-by-step generator: yields, after each step, the tokens chosen for the rows still
 * running. `generate` and the streaming APIs are built on it.
 */
export async function* generateSteps(
  model: GlmModel,
  prompts: ReadonlyArray<ReadonlyArray<number>>,
  options: GenerateOptions
): AsyncGenerator<ReadonlyArray<TokenEvent>, GenerationResult> {
  validate(model, prompts, options)
  const cfg = model.config
  const params = samplingParams(options)
  const rng = makeRng(options.seed ?? 0)
  const stop = new Set(options.stopIds ?? defaultStopIds(cfg))
  const b = prompts.length
  const tokens: number[][] = prompts.map(() => [])
  const finish: Array<"stop" | "length"> = prompts.map(() => "length")
  const done = prompts.map(() => false)
  if (options.maxNewTokens === 0) return { tokens, finishReason: finish }
  const { ids, pads } = leftPad(prompts, cfg.pad_token_id)
  let cache: KvCache | undefined
  try {
    let out = forward(cfg, model.weights, { inputIds: ids, padLeft: pads, prefixKv: model.prefixKv }, { logits: "last", cache: true, prepared: model.prepared, trainable: new Set() })
    cache = out.cache
    for (let step = 0; step < options.maxNewTokens; step++) {
      const logits = out.logits!
      const V = logits.shape[2]
      const host = (await logits.data()) as Float32Array
      logits.dispose()
      const events: TokenEvent[] = []
      const next: number[][] = []
      for (let r = 0; r < b; r++) {
        if (done[r]) {
          next.push([cfg.pad_token_id])
          continue
        }
        const row = host.slice(r * V, (r + 1) * V)
        const tok = chooseToken(row, [...prompts[r], ...tokens[r]], params, rng)
        tokens[r].push(tok)
        const ev = { row: r, token: tok, step }
        events.push(ev)
        options.onToken?.(ev)
        if (stop.has(tok)) {
          done[r] = true
          finish[r] = "stop"
        }
        next.push([tok])
      }
      yield events
      if (done.every(Boolean) || step === options.maxNewTokens - 1 || options.signal?.aborted) break
      await nextTurn()
      const prev: KvCache | undefined = cache
      out = forward(cfg, model.weights, { inputIds: next, cache: prev }, { logits: "last", cache: true, prepared: model.prepared, trainable: new Set() })
      cache = out.cache
      disposeCache(prev)
    }
  } finally {
    disposeCache(cache)
  }
  return { tokens, finishReason: finish }
}

/** Generate for a batch of prompts (token ids); resolves when every row stopped or hit the limit. */
export const generate = async (
  model: GlmModel,
  prompts: ReadonlyArray<ReadonlyArray<number>>,
  options: GenerateOptions
): Promise<GenerationResult> => {
  const it = generateSteps(model, prompts, options)
  for (;;) {
    const r = await it.next()
    if (r.done) return r.value
  }
}

/** Stream one prompt's new tokens as they are chosen. */
export async function* streamTokens(model: GlmModel, prompt: ReadonlyArray<number>, options: GenerateOptions): AsyncGenerator<number, GenerationResult> {
  const it = generateSteps(model, [prompt], options)
  try {
    for (;;) {
      const r = await it.next()
      if (r.done) return r.value
      for (const e of r.value) yield e.token
    }
  } finally {
    // a consumer that stops early (a client gone, a stop string) ends the steps too: they free the KV cache
    await it.return({ tokens: [], finishReason: [] })
  }
}

/** Greedy decoding that also returns the logits that chose each token (for checks against references). */
export const greedyWithLogits = async (
  model: GlmModel,
  prompt: ReadonlyArray<number>,
  steps: number
): Promise<{ tokens: number[]; stepLogits: Float32Array[] }> => {
  const cfg = model.config
  const tokens: number[] = []
  const stepLogits: Float32Array[] = []
  let out = forward(cfg, model.weights, { inputIds: [prompt], padLeft: [0], prefixKv: model.prefixKv }, { logits: "last", cache: true, prepared: model.prepared, trainable: new Set() })
  let cache = out.cache
  try {
    for (let i = 0; i < steps; i++) {
      // read asynchronously: a GPU backend (WebGPU in Node) has no synchronous read
      const row = (await out.logits!.data()) as Float32Array
      out.logits!.dispose()
      stepLogits.push(row.slice())
      let best = 0
      for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j
      tokens.push(best)
      if (i === steps - 1) break
      await nextTurn()
      const prev = cache
      out = forward(cfg, model.weights, { inputIds: [[best]], cache: prev }, { logits: "last", cache: true, prepared: model.prepared, trainable: new Set() })
      cache = out.cache
      disposeCache(prev)
    }
  } finally {
    disposeCache(cache)
  }
  return { tokens, stepLogits }
}

// internal

/**
 * One turn of the event loop between decoding steps. On a CPU backend each step's forward is
 * synchronous and reading its logits settles at once (a microtask), so without this a whole
 * generation would hold the thread: a server could not notice a closed connection or answer another
 * request until it ended, and a test worker could not answer its runner.
 */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))
