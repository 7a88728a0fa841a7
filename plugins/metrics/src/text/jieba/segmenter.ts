/**
 * jieba 0.42.1 `jieba.cut(text)` with its defaults (`cut_all=False`, `HMM=True`), ported
 * operation by operation:
 *
 * 1. Split the text into runs of `[\u4E00-\u9FD5a-zA-Z0-9+#&._%-]` and the rest.
 * 2. Outside such runs, `\r\n` and each whitespace character is a token, and every other code point
 *    is its own token.
 * 3. Inside a run: build the DAG of dictionary words starting at each position, pick the route of
 *    maximum sum of `log(freq or 1) - log(total)` (ties → the longer word, as Python's tuple `max`
 *    does), and emit its words; consecutive single characters are buffered and, when the buffer is
 *    not itself a dictionary word, cut by the HMM (`finalseg`).
 */
import { defaultDictionary, type JiebaDictionary } from "./dictionary.js"
import { defaultHmm, hmmCut, type HmmModel } from "./hmm.js"
import { buildTrie } from "./trie.js"
import { PY_WS_CLASS } from "../pythonText.js"

const reHanDefault = /([\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]+)/u
const reHanTest = /^[\u4E00-\u9FD5a-zA-Z0-9+#&._%\-]/u
const reSkipDefault = new RegExp(`(\\r\\n|[${PY_WS_CLASS}])`, "u")
const reSkipTest = new RegExp(`^(\\r\\n|[${PY_WS_CLASS}])`, "u")

export interface Segmenter {
  /** jieba.cut(text) as a list */
  readonly cut: (text: string) => Array<string>
}

export const makeSegmenter = (dict: JiebaDictionary, hmm: HmmModel): Segmenter => {
  const logTotal = Math.log(dict.total)
  const freq = dict.freq
  const trie = buildTrie(freq)

  // DAG scratch space, grown as needed: for each start k, the word ends and their log frequencies
  let cap = 0
  let edgeStart = new Int32Array(0)
  let edgeEnd = new Int32Array(0)
  let edgeLog = new Float64Array(0)
  let routeScore = new Float64Array(0)
  let routeEnd = new Int32Array(0)

  /** `__cut_DAG` on one run (only BMP characters, so string indices are code points) */
  const cutDag = (s: string, out: Array<string>): void => {
    const n = s.length
    if (n + 1 > routeScore.length) {
      routeScore = new Float64Array(2 * (n + 1))
      routeEnd = new Int32Array(2 * (n + 1))
      edgeStart = new Int32Array(2 * (n + 1))
    }
    // get_DAG: ends i ≥ k with s[k..i] a word (freq > 0), walking the trie while s[k..i] is a word
    // or a prefix (jieba's `frag in FREQ`); a lone k (score log 1 = 0) when there is none
    const ensure = () => {
      if (edges < cap) return
      cap = Math.max(1024, cap * 2)
      const e2 = new Int32Array(cap)
      e2.set(edgeEnd.subarray(0, edges))
      edgeEnd = e2
      const l2 = new Float64Array(cap)
      l2.set(edgeLog.subarray(0, edges))
      edgeLog = l2
    }
    let edges = 0
    for (let k = 0; k < n; k++) {
      edgeStart[k] = edges
      const first = edges
      let node = 0
      for (let i = k; i < n; i++) {
        node = trie.child(node, s.charCodeAt(i))
        if (node < 0) break
        const lf = trie.logFreq[node]
        if (lf === lf) {
          ensure()
          edgeEnd[edges] = i
          edgeLog[edges] = lf
          edges++
        }
      }
      if (edges === first) {
        ensure()
        edgeEnd[edges] = k
        edgeLog[edges] = 0
        edges++
      }
    }
    edgeStart[n] = edges
    // calc: best route from the end; ties go to the larger end index (Python's tuple max)
    routeScore[n] = 0
    for (let idx = n - 1; idx >= 0; idx--) {
      let best = -Infinity
      let bestX = -1
      for (let e = edgeStart[idx]; e < edgeStart[idx + 1]; e++) {
        const x = edgeEnd[e]
        const score = edgeLog[e] - logTotal + routeScore[x + 1]
        if (score > best || (score === best && x > bestX)) {
          best = score
          bestX = x
        }
      }
      routeScore[idx] = best
      routeEnd[idx] = bestX
    }
    let x = 0
    let buf = ""
    const flush = () => {
      if (buf.length === 1) out.push(buf)
      else if (!freq.get(buf)) hmmCut(hmm, buf, out)
      else for (const ch of buf) out.push(ch)
      buf = ""
    }
    while (x < n) {
      const y = routeEnd[x] + 1
      const word = s.slice(x, y)
      if (y - x === 1) buf += word
      else {
        if (buf.length > 0) flush()
        out.push(word)
      }
      x = y
    }
    if (buf.length > 0) flush()
  }

  const cut = (text: string): Array<string> => {
    const out: Array<string> = []
    for (const blk of text.split(reHanDefault)) {
      if (blk.length === 0) continue
      if (reHanTest.test(blk)) cutDag(blk, out)
      else
        for (const x of blk.split(reSkipDefault)) {
          if (reSkipTest.test(x)) out.push(x)
          else for (const ch of x) out.push(ch)
        }
    }
    return out
  }
  return { cut }
}

let defaultSegmenter: Segmenter | undefined

/** jieba 0.42.1 with its default dictionary and HMM (loaded on first use) */
export const jieba = (): Segmenter => (defaultSegmenter ??= makeSegmenter(defaultDictionary(), defaultHmm()))

/** `list(jieba.cut(text))` */
export const jiebaCut = (text: string): Array<string> => jieba().cut(text)
