/**
 * jieba 0.42.1's `finalseg`: a 4-state (B/M/E/S) HMM that segments runs of characters the
 * dictionary does not cover. The model file `hmm.tsv` is jieba's own `prob_start`, `prob_trans`
 * and `prob_emit`, converted without loss of precision.
 */
import { readFileSync } from "node:fs"

const MIN_FLOAT = -3.14e100
const STATES = ["B", "M", "E", "S"] as const
type State = (typeof STATES)[number]
const B = 0, M = 1, E = 2, S = 3
/** jieba's PrevStatus, in its order: the states that may precede each state */
const PREV: ReadonlyArray<ReadonlyArray<number>> = [
  [E, S], // B ← 'ES'
  [M, B], // M ← 'MB'
  [B, M], // E ← 'BM'
  [S, E] // S ← 'SE'
]

export interface HmmModel {
  readonly start: Float64Array
  /** trans[from * 4 + to], MIN_FLOAT where jieba has no entry */
  readonly trans: Float64Array
  /** char → 4 emission log-probabilities (MIN_FLOAT where absent) */
  readonly emit: ReadonlyMap<string, Float64Array>
}

const stateIndex = (s: string): number => {
  const i = STATES.indexOf(s as State)
  if (i < 0) throw new Error(`jieba HMM model: unknown state ${JSON.stringify(s)}`)
  return i
}

export const parseHmm = (text: string): HmmModel => {
  const start = new Float64Array(4).fill(MIN_FLOAT)
  const trans = new Float64Array(16).fill(MIN_FLOAT)
  const emit = new Map<string, Float64Array>()
  // columns of the emission table are in B, E, M, S order (jieba's dict key order)
  const emitCols = [B, E, M, S]
  for (const line of text.split("\n")) {
    if (line.length === 0) continue
    const cells = line.split("\t")
    if (line.startsWith("# start")) {
      for (const c of cells.slice(1)) start[stateIndex(c.split("=")[0])] = Number(c.split("=")[1])
    } else if (line.startsWith("# trans")) {
      for (const c of cells.slice(1)) {
        const [pair, v] = c.split("=")
        trans[stateIndex(pair[0]) * 4 + stateIndex(pair[1])] = Number(v)
      }
    } else if (!line.startsWith("#")) {
      const row = new Float64Array(4).fill(MIN_FLOAT)
      for (let k = 0; k < 4; k++) if (cells[k + 1] !== "") row[emitCols[k]] = Number(cells[k + 1])
      emit.set(cells[0], row)
    }
  }
  return { start, trans, emit }
}

let defaultModel: HmmModel | undefined
export const defaultHmm = (): HmmModel =>
  (defaultModel ??= parseHmm(readFileSync(new URL("./hmm.tsv", import.meta.url), "utf8")))

const absent = new Float64Array(4).fill(MIN_FLOAT)

/**
 * jieba's `viterbi`: ties in `max((prob, state))` go to the lexicographically larger state name,
 * which this port keeps (E > B, M > B, S > E), because such ties do occur with MIN_FLOAT sums.
 */
const viterbi = (model: HmmModel, obs: ReadonlyArray<string>): Array<number> => {
  const n = obs.length
  const back = new Int8Array(n * 4)
  let v = new Float64Array(4)
  const e0 = model.emit.get(obs[0]) ?? absent
  for (let y = 0; y < 4; y++) v[y] = model.start[y] + e0[y]
  for (let t = 1; t < n; t++) {
    const em = model.emit.get(obs[t]) ?? absent
    const next = new Float64Array(4)
    for (let y = 0; y < 4; y++) {
      let best = -Infinity
      let bestState = -1
      for (const y0 of PREV[y]) {
        const p = v[y0] + model.trans[y0 * 4 + y] + em[y]
        if (p > best || (p === best && STATES[y0] > STATES[bestState])) {
          best = p
          bestState = y0
        }
      }
      next[y] = best
      back[t * 4 + y] = bestState
    }
    v = next
  }
  // final state: max over (V[y], y) for y in 'ES'
  let state = v[E] > v[S] || (v[E] === v[S] && "E" > "S") ? E : S
  const path = new Array<number>(n)
  for (let t = n - 1; t >= 0; t--) {
    path[t] = state
    state = back[t * 4 + state]
  }
  return path
}

/** `finalseg.__cut`: segment a run of Han characters (given as code points) */
const cutHan = (model: HmmModel, chars: ReadonlyArray<string>, out: Array<string>): void => {
  const pos = viterbi(model, chars)
  let begin = 0
  let nexti = 0
  for (let i = 0; i < chars.length; i++) {
    const p = pos[i]
    if (p === B) begin = i
    else if (p === E) {
      out.push(chars.slice(begin, i + 1).join(""))
      nexti = i + 1
    } else if (p === S) {
      out.push(chars[i])
      nexti = i + 1
    }
  }
  if (nexti < chars.length) out.push(chars.slice(nexti).join(""))
}

const reHan = /([\u4E00-\u9FD5]+)/u
// Python 3's \d in a str pattern is any Unicode decimal digit
const reSkip = /([a-zA-Z0-9]+(?:\.\p{Nd}+)?%?)/u

/** `finalseg.cut`: Han runs go through the HMM, other runs are split by jieba's skip regex */
export const hmmCut = (model: HmmModel, sentence: string, out: Array<string>): void => {
  for (const blk of sentence.split(reHan)) {
    if (blk.length === 0) continue
    if (/^[\u4E00-\u9FD5]/u.test(blk)) cutHan(model, Array.from(blk), out)
    else for (const x of blk.split(reSkip)) if (x.length > 0) out.push(x)
  }
}
