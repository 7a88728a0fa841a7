/**
 * Positions and attention masks, computed on plain arrays as the official code does (masks are data,
 * built outside any differentiated function).
 */
import type { Glm1Config, GlmConfig, KvCache } from "./types.js"

export class InputLayoutError extends Error {
  constructor(detail: string) {
    super(detail)
    this.name = "InputLayoutError"
  }
}

export interface RowLayout {
  /** position ids per token: glm1 [pos, block]; glm2 [pos] */
  readonly positions: number[][]
  /** per key (non-prefix, cached + new): may this row's query i attend to key j? */
  readonly allowed: (i: number, j: number) => boolean
  /** validity of this row's new keys (0 = left pad) */
  readonly keyValid: number[]
  readonly nextPosition: number[]
}

/** glm1: the context ends at the first <bos>; positions stay at the mask position after it. */
export const glm1Row = (cfg: Glm1Config, ids: ReadonlyArray<number>, pad: number, row: number): RowLayout => {
  const u = ids.slice(pad)
  const ctx = u.indexOf(cfg.bos_token_id)
  if (ctx < 0) {
    throw new InputLayoutError(`glm1 input row ${row} has no <bos> token (id ${cfg.bos_token_id}); the prompt layout is text + [gMASK] + <bos>`)
  }
  const g = u.indexOf(cfg.gmask_token_id)
  const m = u.indexOf(cfg.mask_token_id)
  const mp = g >= 0 ? g : m >= 0 ? m : Math.max(ctx - 1, 0)
  const n = u.length
  const positions: number[][] = []
  for (let i = 0; i < pad; i++) positions.push([0, 0])
  for (let i = 0; i < n; i++) positions.push(i < ctx ? [i, 0] : [mp, i - ctx + 1])
  const keyValid = ids.map((_, j) => (j < pad ? 0 : 1))
  return {
    positions,
    keyValid,
    // bidirectional over the context, causal after it; pad keys hidden; pad queries see nothing
    allowed: (i, j) => i >= pad && j >= pad && (j - pad < ctx || j <= i),
    nextPosition: [mp, n - ctx + 1]
  }
}

/** glm2: plain causal; pads get position 0 and pad query rows see every key (official trick against NaN). */
export const glm2Row = (ids: ReadonlyArray<number>, pad: number): RowLayout => {
  const n = ids.length - pad
  const positions: number[][] = []
  for (let i = 0; i < pad; i++) positions.push([0])
  for (let i = 0; i < n; i++) positions.push([i])
  return {
    positions,
    keyValid: ids.map((_, j) => (j < pad ? 0 : 1)),
    allowed: (i, j) => (i < pad ? true : j >= pad && j <= i),
    nextPosition: [n]
  }
}

/** Tokens after a cache: each sees every valid cached key and the new tokens causally. */
export const cachedRow = (
  cfg: GlmConfig,
  cache: KvCache,
  row: number,
  count: number
): RowLayout => {
  const valid = cache.keyValid[row]
  const past = valid.length
  const next = cache.nextPosition[row]
  const positions: number[][] = []
  for (let i = 0; i < count; i++) positions.push(cfg.zaoji_arch === "glm1" ? [next[0], next[1] + i] : [next[0] + i])
  const nextPosition = cfg.zaoji_arch === "glm1" ? [next[0], next[1] + count] : [next[0] + count]
  return {
    positions,
    keyValid: new Array(count).fill(1),
    allowed: (i, j) => (j < past ? valid[j] === 1 : j - past <= i),
    nextPosition
  }
}

/** Number of leading pad ids of a row. */
export const countLeftPad = (ids: ReadonlyArray<number>, padId: number): number => {
  let p = 0
  while (p < ids.length - 1 && ids[p] === padId) p++
  return p
}
