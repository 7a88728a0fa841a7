/**
 * The prefix dictionary as a trie over UTF-16 code units, stored in flat typed arrays (an
 * open-addressing table of (node, unit) → child), so the DAG walk steps one character at a time
 * without building substrings. Trie nodes are exactly jieba's FREQ keys (words and their prefixes);
 * `logFreq[node]` is log(freq) for a word and NaN for a prefix that is not a word.
 */
export interface DictTrie {
  /** child of `node` along code unit `unit`, or -1 */
  readonly child: (node: number, unit: number) => number
  readonly logFreq: Float64Array
}

export const buildTrie = (freq: ReadonlyMap<string, number>): DictTrie => {
  const nodesMax = freq.size + 1
  let cap = 1
  while (cap < nodesMax * 2) cap *= 2
  const mask = cap - 1
  const keyNode = new Int32Array(cap).fill(-1)
  const keyUnit = new Int32Array(cap)
  const value = new Int32Array(cap)
  const logFreq = new Float64Array(nodesMax).fill(NaN)
  let nodes = 1
  const hash = (node: number, unit: number) => {
    let h = Math.imul(node, 0x9e3779b1) ^ Math.imul(unit + 0x7f4a7c15, 0x85ebca6b)
    h ^= h >>> 16
    return h & mask
  }
  const child = (node: number, unit: number): number => {
    let slot = hash(node, unit)
    for (;;) {
      const n = keyNode[slot]
      if (n === -1) return -1
      if (n === node && keyUnit[slot] === unit) return value[slot]
      slot = (slot + 1) & mask
    }
  }
  const childOrAdd = (node: number, unit: number): number => {
    let slot = hash(node, unit)
    for (;;) {
      const n = keyNode[slot]
      if (n === -1) {
        keyNode[slot] = node
        keyUnit[slot] = unit
        value[slot] = nodes
        return nodes++
      }
      if (n === node && keyUnit[slot] === unit) return value[slot]
      slot = (slot + 1) & mask
    }
  }
  for (const [word, f] of freq) {
    let node = 0
    for (let i = 0; i < word.length; i++) node = childOrAdd(node, word.charCodeAt(i))
    if (f > 0) logFreq[node] = Math.log(f)
  }
  return { child, logFreq }
}
