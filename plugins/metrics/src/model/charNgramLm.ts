/**
 * A character bigram language model with add-α smoothing:
 *
 *   P(c | p) = (count(p c) + α) / (count(p) + α·V)
 *
 * over code points, where V is the training vocabulary size plus one slot for unseen characters and
 * the first character of a text is conditioned on the start symbol "\u0002". Its log-likelihoods are
 * exact closed forms, which makes it the reference scorer for the exam logic, and a knowledge-free
 * baseline row in reports. Greedy generation takes the most likely next character (ties → the
 * smallest code point) until "\n" or the token limit.
 */
import { Effect } from "effect"
import { promptAsText, type LanguageModel, type Loglik, type LoglikQuery } from "./languageModel.js"

const START = "\u0002"

export interface CharNgramLm extends LanguageModel {
  /** log P(c | prev) */
  readonly logProb: (prev: string, c: string) => number
  /** the model file content (`char-bigram.json`) */
  readonly toJSON: () => CharBigramFile
}

/** file name of a saved char-bigram model inside a model folder */
export const CHAR_BIGRAM_FILE = "char-bigram.json"

export interface CharBigramFile {
  readonly zaoji_eval_model: "char-bigram"
  readonly alpha: number
  /** counts[prev][c] = how often c followed prev in training */
  readonly counts: Readonly<Record<string, Readonly<Record<string, number>>>>
}

export const trainCharBigram = (texts: ReadonlyArray<string>, opts: { readonly alpha?: number; readonly name?: string } = {}): CharNgramLm => {
  const counts: Record<string, Record<string, number>> = {}
  for (const t of texts) {
    let prev = START
    for (const c of t) {
      const row = (counts[prev] ??= {})
      row[c] = (row[c] ?? 0) + 1
      prev = c
    }
  }
  return charBigramFromFile({ zaoji_eval_model: "char-bigram", alpha: opts.alpha ?? 0.1, counts }, opts.name)
}

export const charBigramFromFile = (file: CharBigramFile, name = "char-bigram"): CharNgramLm => {
  const alpha = file.alpha
  const pair = new Map<string, Map<string, number>>()
  const ctxCount = new Map<string, number>()
  const vocab = new Set<string>()
  for (const [prev, row] of Object.entries(file.counts)) {
    const m = new Map<string, number>()
    let total = 0
    for (const [c, n] of Object.entries(row)) {
      m.set(c, n)
      total += n
      vocab.add(c)
    }
    pair.set(prev, m)
    ctxCount.set(prev, total)
  }
  const V = vocab.size + 1
  const logProb = (prev: string, c: string): number =>
    Math.log(((pair.get(prev)?.get(c) ?? 0) + alpha) / ((ctxCount.get(prev) ?? 0) + alpha * V))
  const lastChar = (s: string): string => {
    if (s.length === 0) return START
    const cps = Array.from(s.slice(-2))
    return cps[cps.length - 1]
  }
  const score = (q: LoglikQuery): Loglik => {
    let prev = lastChar(q.context)
    let sum = 0
    let count = 0
    for (const c of q.continuation) {
      sum += logProb(prev, c)
      count++
      prev = c
    }
    return { sum, count }
  }
  const sortedVocab = [...vocab].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!)
  const greedy = (prompt: string, maxNewTokens: number): string => {
    let prev = lastChar(prompt)
    let out = ""
    for (let i = 0; i < maxNewTokens; i++) {
      let best = ""
      let bestCount = -1
      for (const c of sortedVocab) {
        const k = pair.get(prev)?.get(c) ?? 0
        if (k > bestCount) {
          best = c
          bestCount = k
        }
      }
      if (best === "" || best === "\n") break
      out += best
      prev = best
    }
    return out
  }
  return {
    name,
    logProb,
    toJSON: () => file,
    loglik: (queries) => Effect.sync(() => queries.map(score)),
    generate: (prompts, settings) => Effect.sync(() => prompts.map((p) => greedy(promptAsText(p), settings.maxNewTokens)))
  }
}
