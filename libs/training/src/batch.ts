/**
 * Batching of tokenized examples: right padding per batch (pads are the pad id with label -100, as
 * the official ChatGLM fine-tuning scripts do) and the shifted loss targets.
 */
export interface TokenExample {
  readonly inputIds: ReadonlyArray<number>
  readonly labels: ReadonlyArray<number>
}

/** A padded batch: every row has the same length. */
export interface TokenBatch {
  readonly inputIds: ReadonlyArray<ReadonlyArray<number>>
  readonly labels: ReadonlyArray<ReadonlyArray<number>>
}

export const IGNORE = -100

/** Pad rows on the right to the longest row of this batch (not to a global maximum). */
export const padBatch = (examples: ReadonlyArray<TokenExample>, padId: number): TokenBatch => {
  const len = Math.max(...examples.map((e) => e.inputIds.length))
  return {
    inputIds: examples.map((e) => [...e.inputIds, ...Array<number>(len - e.inputIds.length).fill(padId)]),
    labels: examples.map((e) => [...e.labels, ...Array<number>(len - e.labels.length).fill(IGNORE)])
  }
}

/**
 * Loss targets after the shift: logits at position t predict `labels[t+1]`. Returns, per flattened
 * position b·seq + t, the target id (0 where there is none) and a 0/1 weight.
 */
export const shiftedTargets = (
  labels: ReadonlyArray<ReadonlyArray<number>>
): { targets: Int32Array; weights: Float32Array; count: number } => {
  const rows = labels.length
  const seq = labels[0]?.length ?? 0
  const targets = new Int32Array(rows * seq)
  const weights = new Float32Array(rows * seq)
  let count = 0
  for (let b = 0; b < rows; b++) {
    const row = labels[b]!
    for (let t = 0; t + 1 < seq; t++) {
      const y = row[t + 1]!
      if (y !== IGNORE) {
        targets[b * seq + t] = y
        weights[b * seq + t] = 1
        count++
      }
    }
  }
  return { targets, weights, count }
}

/** Split a batch's rows into at most `parts` contiguous shards (each re-padded to its own length). */
export const shardExamples = <E>(examples: ReadonlyArray<E>, parts: number): E[][] => {
  const n = examples.length
  const k = Math.max(1, Math.min(parts, n))
  const out: E[][] = []
  let start = 0
  for (let i = 0; i < k; i++) {
    const size = Math.floor(n / k) + (i < n % k ? 1 : 0)
    out.push(examples.slice(start, start + size))
    start += size
  }
  return out
}
