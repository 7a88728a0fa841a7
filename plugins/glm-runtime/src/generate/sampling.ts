/**
 * Choosing the next token from one row of logits (host side; a row is at most a vocabulary long).
 * Order as in Hugging Face `generate`: repetition penalty, temperature, top-k, top-p, then sample.
 */
import type { Rng } from "./rng.js"

export interface SamplingParams {
  readonly doSample: boolean
  readonly temperature: number
  readonly topK: number
  readonly topP: number
  readonly repetitionPenalty: number
}

/** CTRL-style penalty on every token already in the sequence: positive logits ÷ p, negative × p. */
export const applyRepetitionPenalty = (logits: Float32Array, seen: Iterable<number>, penalty: number): void => {
  if (penalty === 1) return
  for (const t of new Set(seen)) {
    const v = logits[t]
    logits[t] = v < 0 ? v * penalty : v / penalty
  }
}

export const argmax = (x: ArrayLike<number>): number => {
  let best = 0
  for (let i = 1; i < x.length; i++) if (x[i] > x[best]) best = i
  return best
}

/** Pick a token. `logits` is modified in place. */
export const chooseToken = (logits: Float32Array, seen: ReadonlyArray<number>, p: SamplingParams, rng: Rng): number => {
  applyRepetitionPenalty(logits, seen, p.repetitionPenalty)
  if (!p.doSample) return argmax(logits)
  const n = logits.length
  const order = Array.from({ length: n }, (_, i) => i)
  order.sort((a, b) => logits[b] - logits[a] || a - b)
  let keep = p.topK > 0 ? Math.min(p.topK, n) : n
  const maxLogit = logits[order[0]]
  const probs = new Float64Array(keep)
  let sum = 0
  for (let i = 0; i < keep; i++) {
    probs[i] = Math.exp((logits[order[i]] - maxLogit) / p.temperature)
    sum += probs[i]
  }
  if (p.topP < 1) {
    // smallest prefix of the sorted tokens whose mass reaches topP (at least one token)
    let cum = 0
    let cut = keep
    for (let i = 0; i < keep; i++) {
      cum += probs[i] / sum
      if (cum >= p.topP) {
        cut = i + 1
        break
      }
    }
    keep = cut
    sum = 0
    for (let i = 0; i < keep; i++) sum += probs[i]
  }
  let u = rng.next() * sum
  for (let i = 0; i < keep; i++) {
    u -= probs[i]
    if (u < 0) return order[i]
  }
  return order[keep - 1]
}
