/**
 * A SentencePiece model: encode with the unigram (Viterbi) or BPE algorithm exactly as the C++
 * library segments, byte fallback for unknown characters, and decode.
 */
import { CharTrie } from "./charTrie.js"
import { ModelType, parseModelProto, PieceType, type ModelProto } from "./modelProto.js"
import { Normalizer, SPACE_SYMBOL } from "./normalizer.js"

const utf8 = new TextEncoder()
const utf8d = new TextDecoder("utf-8", { fatal: false })

// float32 limits, as the C++ code initialises its score range
const FLT_MAX = 3.4028234663852886e38
const FLT_MIN = 1.1754943508222875e-38
const UNK_PENALTY = 10

export class SentencePieceModel {
  readonly pieces: ReadonlyArray<string>
  private readonly types: Uint8Array
  private readonly scores: Float32Array
  private readonly index = new Map<string, number>()
  /** normal, user-defined and unused pieces: what segmentation may produce */
  private readonly vocabTrie = new CharTrie()
  private readonly userDefinedTrie = new CharTrie()
  private readonly normalizer: Normalizer
  private readonly byteIds = new Int32Array(256).fill(-1)
  private readonly minScore: number
  private readonly maxScore: number
  readonly unkId: number

  constructor(readonly proto: ModelProto, where = "sentencepiece model") {
    const n = proto.pieces.length
    this.pieces = proto.pieces.map((p) => p.piece)
    this.types = new Uint8Array(n)
    this.scores = new Float32Array(n)
    let minScore = FLT_MAX
    let maxScore = FLT_MIN
    let unkId = -1
    proto.pieces.forEach((p, id) => {
      this.types[id] = p.type
      this.scores[id] = p.score
      if (this.index.has(p.piece)) throw new Error(`${where}: piece ${id} "${p.piece}" is a duplicate of piece ${this.index.get(p.piece)}`)
      this.index.set(p.piece, id)
      if (p.type === PieceType.Normal) {
        minScore = Math.min(minScore, p.score)
        maxScore = Math.max(maxScore, p.score)
      }
      if (p.type === PieceType.Normal || p.type === PieceType.UserDefined || p.type === PieceType.Unused)
        this.vocabTrie.insert(p.piece, id)
      if (p.type === PieceType.UserDefined) this.userDefinedTrie.insert(p.piece, id)
      if (p.type === PieceType.Unknown) unkId = id
      if (p.type === PieceType.Byte) {
        const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(p.piece)
        if (m === null) throw new Error(`${where}: byte piece ${id} "${p.piece}" is not of the form <0xNN>`)
        this.byteIds[parseInt(m[1], 16)] = id
      }
    })
    if (unkId < 0) throw new Error(`${where}: no piece of type UNKNOWN (expected one <unk> piece)`)
    if (proto.trainer.byteFallback && this.byteIds.includes(-1))
      throw new Error(`${where}: byte_fallback is set but not all 256 <0xNN> byte pieces are present`)
    this.unkId = unkId
    this.minScore = minScore
    this.maxScore = maxScore
    this.normalizer = new Normalizer(proto.normalizer, this.userDefinedTrie, proto.trainer.treatWhitespaceAsSuffix, where)
  }

  static fromBytes(bytes: Uint8Array, where: string): SentencePieceModel {
    return new SentencePieceModel(parseModelProto(bytes, where), where)
  }

  get size(): number {
    return this.pieces.length
  }

  pieceToId(piece: string): number | undefined {
    return this.index.get(piece)
  }

  idToPiece(id: number): string | undefined {
    return id >= 0 && id < this.pieces.length ? this.pieces[id] : undefined
  }

  pieceType(id: number): number {
    return this.types[id] ?? 0
  }

  normalize(text: string): string {
    return this.normalizer.normalize(text)
  }

  encode(text: string): number[] {
    const chars = Array.from(this.normalize(text))
    if (chars.length === 0) return []
    const segments = this.proto.trainer.modelType === ModelType.Bpe ? this.segmentBpe(chars) : this.segmentUnigram(chars)
    const out: number[] = []
    for (const s of segments) {
      if (s.id !== this.unkId || !this.proto.trainer.byteFallback) out.push(s.id)
      else for (const b of utf8.encode(s.text)) out.push(this.byteIds[b])
    }
    return out
  }

  encodeAsPieces(text: string): string[] {
    return this.encode(text).map((id) => this.pieces[id])
  }

  private segmentUnigram(chars: ReadonlyArray<string>): Array<{ id: number; text: string }> {
    const n = chars.length
    const best = new Float32Array(n + 1).fill(-Infinity)
    const from = new Int32Array(n + 1).fill(-1)
    const via = new Int32Array(n + 1).fill(-1)
    best[0] = 0
    const unkScore = Math.fround(this.minScore - UNK_PENALTY)
    for (let i = 0; i < n; i++) {
      const base = best[i]
      let hasSingle = false
      const relax = (id: number, len: number, score: number): void => {
        const cand = Math.fround(base + score)
        if (from[i + len] < 0 || cand > best[i + len]) {
          best[i + len] = cand
          from[i + len] = i
          via[i + len] = id
        }
      }
      this.vocabTrie.forEachPrefix(chars, i, (id, len) => {
        if (this.types[id] === PieceType.Unused) return
        // user-defined symbols get a bonus so that they always win, as in the C++ lattice
        const score = this.types[id] === PieceType.UserDefined ? Math.fround(len * this.maxScore - 0.1) : this.scores[id]
        if (len === 1) hasSingle = true
        relax(id, len, score)
      })
      if (!hasSingle) relax(this.unkId, 1, unkScore)
    }
    const path: Array<{ id: number; text: string }> = []
    for (let end = n; end > 0; end = from[end]) path.push({ id: via[end], text: chars.slice(from[end], end).join("") })
    path.reverse()
    return this.mergeUnknowns(path)
  }

  /** consecutive unknown pieces become one, as both SentencePiece algorithms do */
  private mergeUnknowns(path: ReadonlyArray<{ id: number; text: string }>): Array<{ id: number; text: string }> {
    const merged: Array<{ id: number; text: string }> = []
    for (const p of path) {
      const last = merged[merged.length - 1]
      if (last !== undefined && last.id === this.unkId && p.id === this.unkId) last.text += p.text
      else merged.push({ ...p })
    }
    return merged
  }

  private segmentBpe(chars: ReadonlyArray<string>): Array<{ id: number; text: string }> {
    // symbols as a linked list; user-defined symbols are never split
    const text: string[] = []
    for (let i = 0; i < chars.length; ) {
      const ud = this.userDefinedTrie.longestMatch(chars, i)
      const len = ud?.length ?? 1
      text.push(chars.slice(i, i + len).join(""))
      i += len
    }
    const n = text.length
    const prev = Int32Array.from({ length: n }, (_, i) => i - 1)
    const next = Int32Array.from({ length: n }, (_, i) => (i + 1 < n ? i + 1 : -1))
    const heap = new PairHeap()
    const addPair = (left: number, right: number): void => {
      if (left < 0 || right < 0) return
      const merged = text[left] + text[right]
      const id = this.index.get(merged)
      if (id === undefined) return
      const t = this.types[id]
      if (t !== PieceType.Normal && t !== PieceType.UserDefined) return
      heap.push({ left, right, score: this.scores[id], merged })
    }
    for (let i = 0; i + 1 < n; i++) addPair(i, i + 1)
    for (let top = heap.pop(); top !== undefined; top = heap.pop()) {
      const { left, right, merged } = top
      // stale entries: one side was merged away or changed since the pair was queued
      if (text[left] === "" || text[right] === "" || text[left] + text[right] !== merged || next[left] !== right) continue
      text[left] = merged
      text[right] = ""
      next[left] = next[right]
      if (next[right] >= 0) prev[next[right]] = left
      addPair(prev[left], left)
      addPair(left, next[left])
    }
    const out: Array<{ id: number; text: string }> = []
    for (let i = 0; i >= 0 && i < n; i = next[i]) {
      const id = this.index.get(text[i])
      const ok = id !== undefined && this.types[id] !== PieceType.Control && this.types[id] !== PieceType.Byte
      out.push({ id: ok ? id : this.unkId, text: text[i] })
    }
    return this.mergeUnknowns(out)
  }

  /** ids → text, as SentencePieceProcessor::Decode */
  decode(ids: ReadonlyArray<number>): string {
    let out = ""
    let bytes: number[] = []
    const flushBytes = (): void => {
      if (bytes.length > 0) {
        out += utf8d.decode(Uint8Array.from(bytes))
        bytes = []
      }
    }
    const stripLeading = this.proto.normalizer.addDummyPrefix || this.proto.normalizer.removeExtraWhitespaces
    for (const id of ids) {
      // ids that name no piece (negative, past the vocabulary, fractional, NaN) decode to nothing
      if (!Number.isInteger(id) || id < 0 || id >= this.pieces.length) continue
      const t = this.types[id]
      if (t === PieceType.Byte) {
        bytes.push(parseInt(this.pieces[id].slice(3, 5), 16))
        continue
      }
      flushBytes()
      if (t === PieceType.Control) continue
      if (t === PieceType.Unknown) {
        out += this.proto.trainer.unkSurface
        continue
      }
      let piece = this.pieces[id]
      if (out.length === 0 && stripLeading && piece.startsWith(SPACE_SYMBOL)) piece = piece.slice(SPACE_SYMBOL.length)
      out += piece.replaceAll(SPACE_SYMBOL, " ")
    }
    flushBytes()
    return out
  }
}

interface PairEntry {
  readonly left: number
  readonly right: number
  readonly score: number
  readonly merged: string
}

/** max-heap on score; ties go to the leftmost pair (bpe_model.cc's agenda order) */
class PairHeap {
  private readonly a: PairEntry[] = []
  private static before(x: PairEntry, y: PairEntry): boolean {
    return x.score > y.score || (x.score === y.score && x.left < y.left)
  }
  push(e: PairEntry): void {
    const a = this.a
    a.push(e)
    let i = a.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!PairHeap.before(a[i], a[p])) break
      ;[a[i], a[p]] = [a[p], a[i]]
      i = p
    }
  }
  pop(): PairEntry | undefined {
    const a = this.a
    if (a.length === 0) return undefined
    const top = a[0]
    const last = a.pop()!
    if (a.length > 0) {
      a[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < a.length && PairHeap.before(a[l], a[m])) m = l
        if (r < a.length && PairHeap.before(a[r], a[m])) m = r
        if (m === i) break
        ;[a[i], a[m]] = [a[m], a[i]]
        i = m
      }
    }
    return top
  }
}
