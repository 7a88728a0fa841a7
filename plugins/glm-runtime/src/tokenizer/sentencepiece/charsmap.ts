/**
 * SentencePiece's precompiled normalization map (`normalizer_spec.precompiled_charsmap`, e.g. the
 * nmt_nfkc rules): a little-endian u32 trie size, a darts-clone double-array trie over UTF-8 byte
 * strings whose values are offsets into the trailing blob of NUL-terminated replacement strings.
 * The builder exists so tests (and custom models) can make maps in the same layout.
 */

const utf8 = new TextEncoder()
const utf8d = new TextDecoder("utf-8", { fatal: false })

// darts-clone unit layout (see darts.h: DoubleArrayUnit)
const hasLeaf = (u: number): boolean => ((u >>> 8) & 1) === 1
const unitValue = (u: number): number => u & 0x7fffffff
const unitLabel = (u: number): number => u & (0x80000000 | 0xff)
const unitOffset = (u: number): number => (u >>> 10) << ((u & (1 << 9)) >>> 6)

export class Charsmap {
  private readonly units: Uint32Array
  private readonly blob: Uint8Array

  constructor(bytes: Uint8Array, where: string) {
    if (bytes.length < 4) throw new Error(`${where}: precompiled_charsmap shorter than its 4-byte header`)
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    const trieSize = view.getUint32(0, true)
    if (trieSize % 4 !== 0 || 4 + trieSize > bytes.length)
      throw new Error(`${where}: precompiled_charsmap trie size ${trieSize} does not fit its ${bytes.length} bytes`)
    this.units = new Uint32Array(trieSize / 4)
    for (let i = 0; i < this.units.length; i++) this.units[i] = view.getUint32(4 + 4 * i, true)
    this.blob = bytes.subarray(4 + trieSize)
  }

  /**
   * Longest rule matching `chars[start..]` (whole code points only): the replacement and how many
   * code points it consumes, or undefined when no rule applies.
   */
  longest(chars: ReadonlyArray<string>, start: number): { replacement: string; consumed: number } | undefined {
    const units = this.units
    if (units.length === 0) return undefined
    let node = unitOffset(units[0])
    let best: { value: number; consumed: number } | undefined
    outer: for (let c = start; c < chars.length; c++) {
      const bytes = utf8.encode(chars[c])
      let leafHere = false
      for (const b of bytes) {
        node ^= b
        if (node >= units.length) break outer
        const u = units[node]
        if (unitLabel(u) !== b) break outer
        node ^= unitOffset(u)
        leafHere = hasLeaf(u)
      }
      if (leafHere) best = { value: unitValue(units[node]), consumed: c - start + 1 }
    }
    if (best === undefined) return undefined
    let end = best.value
    while (end < this.blob.length && this.blob[end] !== 0) end++
    return { replacement: utf8d.decode(this.blob.subarray(best.value, end)), consumed: best.consumed }
  }
}

/** Build a charsmap blob from rules (source string → replacement); a small darts-clone builder. */
export const buildCharsmap = (rules: ReadonlyArray<readonly [string, string]>): Uint8Array => {
  interface TrieNode { children: Map<number, TrieNode>; value: number | undefined }
  const root: TrieNode = { children: new Map(), value: undefined }
  const blobParts: number[] = []
  for (const [from, to] of [...rules].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    let n = root
    for (const b of utf8.encode(from)) {
      let next = n.children.get(b)
      if (next === undefined) n.children.set(b, (next = { children: new Map(), value: undefined }))
      n = next
    }
    n.value = blobParts.length
    blobParts.push(...utf8.encode(to), 0)
  }
  const units: number[] = [0]
  const used = new Set<number>([0])
  const setUnit = (i: number, v: number): void => {
    while (units.length <= i) units.push(0)
    units[i] = v >>> 0
  }
  // place a node's children: find a base so every child slot (and the leaf slot 0) is free
  const place = (nodePos: number, n: TrieNode, isRoot: boolean): void => {
    const labels = [...n.children.keys()]
    const slots = n.value !== undefined && !isRoot ? [0, ...labels] : labels
    if (slots.length === 0) return
    let base = 256
    while (slots.some((s) => used.has(base ^ s))) base++
    const offset = nodePos ^ base
    if (offset >= 1 << 21) throw new Error("charsmap too large for this builder")
    setUnit(nodePos, (units[nodePos] ?? 0) | (offset << 10))
    for (const s of slots) used.add(base ^ s)
    if (n.value !== undefined && !isRoot) setUnit(base, 0x80000000 | n.value)
    for (const [label, child] of n.children) {
      const pos = base ^ label
      setUnit(pos, label | (child.value !== undefined ? 1 << 8 : 0))
    }
    for (const [label, child] of n.children) place(base ^ label, child, false)
  }
  place(0, root, true)
  const out = new Uint8Array(4 + units.length * 4 + blobParts.length)
  const view = new DataView(out.buffer)
  view.setUint32(0, units.length * 4, true)
  units.forEach((u, i) => view.setUint32(4 + 4 * i, u, true))
  out.set(blobParts, 4 + units.length * 4)
  return out
}
