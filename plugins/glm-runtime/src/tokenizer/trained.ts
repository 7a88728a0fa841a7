/**
 * The trainable tokenizer of the small embedded model.
 *
 * Text is first cut into chunks: each CJK character alone, runs of Latin letters (with one
 * leading space kept in the chunk, so "a word" needs no separate space token), runs of digits,
 * runs of whitespace, and any other character alone. CJK characters are tokens of their own; BPE
 * merges learned by frequency over the letter/digit chunks keep Latin words and numbers as pieces.
 * A character outside the vocabulary becomes its UTF-8 bytes (`<0xNN>`), so every text
 * round-trips. Training is deterministic: ties are broken by the pieces' code-point order.
 *
 * Special tokens are placed as in the official layouts so the model config can name them:
 * glm1: <unk>=0 <s>=1 </s>=2 <pad>=3, and at the end [MASK] [gMASK] [sMASK] <unused_0> <sop> <eop>;
 * glm2: <unk>=0 (pad) <s>=1 </s>=2 (eos), and at the end [MASK] [gMASK] [sMASK] sop eop
 *       <|system|> <|user|> <|assistant|> <|observation|>.
 */
import type { ChatFormat, SpecialTokenIds, Tokenizer, TokenLayout } from "./types.js"
import { TokenizerFileError } from "./types.js"

export const ZAOJI_TOKENIZER_TYPE = "zaoji-cjk-bpe-1"

const HEAD = ["<unk>", "<s>", "</s>"] as const
const GLM1_TAIL = ["[MASK]", "[gMASK]", "[sMASK]", "<unused_0>", "<sop>", "<eop>"] as const
const GLM2_TAIL = ["[MASK]", "[gMASK]", "[sMASK]", "sop", "eop", "<|system|>", "<|user|>", "<|assistant|>", "<|observation|>"] as const
const byteToken = (b: number): string => `<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`

// CJK ideographs, kana, hangul, and full-width/CJK punctuation: one token per character
const CJK = /[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\u3000-\u303f]|[\u{20000}-\u{2fa1f}]/u
const CHUNK = /[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\u3000-\u303f]|[\u{20000}-\u{2fa1f}]| ?[A-Za-z\u00c0-\u024f]+|\d+|\s+|./gsu

/** cut text into the chunks that merges work inside */
export const chunkText = (text: string): string[] => text.match(CHUNK) ?? []

const mergeable = (chunk: string): boolean => chunk.length > 1 && !CJK.test(chunk) && /[A-Za-z\u00c0-\u024f\d]/u.test(chunk)

export interface TrainOptions {
  /** total vocabulary size including specials and the 256 byte tokens */
  readonly vocabSize: number
  readonly layout: TokenLayout
  readonly chatFormat?: ChatFormat
  /** characters seen fewer times are left to byte fallback (default 1: keep every character) */
  readonly minCharFrequency?: number
  /** merges whose pair occurs fewer times are not learned (default 2) */
  readonly minMergeFrequency?: number
}

export interface TrainedTokenizerData {
  readonly zaoji_tokenizer: typeof ZAOJI_TOKENIZER_TYPE
  readonly layout: TokenLayout
  readonly chat_format: ChatFormat
  readonly vocab: ReadonlyArray<string>
  /** merges in rank order: [left, right] pieces */
  readonly merges: ReadonlyArray<readonly [string, string]>
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Learn a vocabulary from corpus texts. */
export const trainTokenizer = (corpus: Iterable<string>, options: TrainOptions): TrainedTokenizer => {
  const tail = options.layout === "glm1" ? GLM1_TAIL : GLM2_TAIL
  const head: string[] = options.layout === "glm1" ? [...HEAD, "<pad>"] : [...HEAD]
  const fixed = head.length + 256 + tail.length
  if (options.vocabSize < fixed + 1) throw new Error(`vocabSize ${options.vocabSize} is too small: the special and byte tokens alone take ${fixed}`)
  const minChar = options.minCharFrequency ?? 1
  const minMerge = options.minMergeFrequency ?? 2

  const charFreq = new Map<string, number>()
  const chunkFreq = new Map<string, number>()
  for (const text of corpus) {
    for (const ch of text) charFreq.set(ch, (charFreq.get(ch) ?? 0) + 1)
    for (const c of chunkText(text)) if (mergeable(c)) chunkFreq.set(c, (chunkFreq.get(c) ?? 0) + 1)
  }
  let budget = options.vocabSize - fixed
  const chars = [...charFreq].filter(([, f]) => f >= minChar).sort((a, b) => b[1] - a[1] || cmp(a[0], b[0]))
  const keptChars = chars.slice(0, budget).map(([c]) => c)
  budget -= keptChars.length
  const known = new Set(keptChars)

  // BPE over the distinct mergeable chunks, weighted by their frequency
  const words = [...chunkFreq].sort((a, b) => cmp(a[0], b[0])).map(([w, f]) => ({ syms: Array.from(w), f }))
  const merges: Array<[string, string]> = []
  const pieces: string[] = []
  while (budget > 0) {
    const pairs = new Map<string, { a: string; b: string; f: number }>()
    for (const w of words) {
      for (let i = 0; i + 1 < w.syms.length; i++) {
        const a = w.syms[i]
        const b = w.syms[i + 1]
        if (!known.has(a) || !known.has(b)) continue
        const k = a + "\u0000" + b
        const e = pairs.get(k)
        if (e === undefined) pairs.set(k, { a, b, f: w.f })
        else e.f += w.f
      }
    }
    let best: { a: string; b: string; f: number } | undefined
    for (const e of pairs.values()) {
      if (best === undefined || e.f > best.f || (e.f === best.f && cmp(e.a + "\u0000" + e.b, best.a + "\u0000" + best.b) < 0)) best = e
    }
    if (best === undefined || best.f < minMerge) break
    const merged = best.a + best.b
    merges.push([best.a, best.b])
    if (!known.has(merged)) {
      known.add(merged)
      pieces.push(merged)
      budget--
    }
    for (const w of words) {
      for (let i = 0; i + 1 < w.syms.length; i++) {
        if (w.syms[i] === best.a && w.syms[i + 1] === best.b) w.syms.splice(i, 2, merged)
      }
    }
  }
  const vocab = [...head, ...Array.from({ length: 256 }, (_, b) => byteToken(b)), ...keptChars, ...pieces, ...tail]
  return new TrainedTokenizer({
    zaoji_tokenizer: ZAOJI_TOKENIZER_TYPE,
    layout: options.layout,
    chat_format: options.chatFormat ?? (options.layout === "glm1" ? "glm1" : "glm2"),
    vocab,
    merges
  })
}

const utf8 = new TextEncoder()
const utf8d = new TextDecoder("utf-8", { fatal: false })

export class TrainedTokenizer implements Tokenizer {
  readonly family = "zaoji" as const
  readonly layout: TokenLayout
  readonly chatFormat: ChatFormat
  readonly vocabSize: number
  readonly special: SpecialTokenIds
  readonly stopIds: ReadonlyArray<number>
  private readonly index = new Map<string, number>()
  private readonly ranks = new Map<string, number>()
  private readonly byteIds: number[] = []
  private readonly byteOf = new Map<number, number>()
  private readonly specialIdSet = new Set<number>()
  private readonly cache = new Map<string, number[]>()

  constructor(readonly data: TrainedTokenizerData, where = "tokenizer.json") {
    this.layout = data.layout
    this.chatFormat = data.chat_format
    this.vocabSize = data.vocab.length
    data.vocab.forEach((p, id) => {
      if (this.index.has(p)) throw new TokenizerFileError(where, `vocab[${id}]`, "unique pieces", `"${p}" again (first at ${this.index.get(p)})`)
      this.index.set(p, id)
    })
    data.merges.forEach(([a, b], r) => {
      if (!this.index.has(a + b)) throw new TokenizerFileError(where, `merges[${r}]`, "a merge whose result is in vocab", `"${a}"+"${b}"`)
      if (!this.ranks.has(a + "\u0000" + b)) this.ranks.set(a + "\u0000" + b, r)
    })
    for (let b = 0; b < 256; b++) {
      const id = this.index.get(byteToken(b))
      if (id === undefined) throw new TokenizerFileError(where, "vocab", `the byte token ${byteToken(b)}`, "none")
      this.byteIds.push(id)
      this.byteOf.set(id, b)
    }
    const need = (p: string): number => {
      const id = this.index.get(p)
      if (id === undefined) throw new TokenizerFileError(where, "vocab", `the special token ${p} (layout ${data.layout})`, "none")
      this.specialIdSet.add(id)
      return id
    }
    for (const p of HEAD) need(p)
    if (data.layout === "glm1") {
      const eop = need("<eop>")
      this.special = {
        mask: need("[MASK]"), gmask: need("[gMASK]"), smask: need("[sMASK]"), sop: need("<sop>"), eop, eos: eop,
        pad: need("<pad>"), unk: need("<unk>"), roles: undefined
      }
      need("<unused_0>")
      this.stopIds = [eop]
    } else {
      const roles = { system: need("<|system|>"), user: need("<|user|>"), assistant: need("<|assistant|>"), observation: need("<|observation|>") }
      this.special = {
        mask: need("[MASK]"), gmask: need("[gMASK]"), smask: need("[sMASK]"), sop: need("sop"), eop: need("eop"), eos: need("</s>"),
        pad: need("<unk>"), unk: need("<unk>"), roles: data.chat_format === "glm3" ? roles : undefined
      }
      this.stopIds = data.chat_format === "glm3" ? [this.special.eos, roles.user, roles.observation] : [this.special.eos]
    }
  }

  private encodeChunk(chunk: string): number[] {
    const hit = this.cache.get(chunk)
    if (hit !== undefined) return hit
    let syms = Array.from(chunk)
    if (mergeable(chunk)) {
      for (;;) {
        let bestRank = Infinity
        let at = -1
        for (let i = 0; i + 1 < syms.length; i++) {
          const r = this.ranks.get(syms[i] + "\u0000" + syms[i + 1])
          if (r !== undefined && r < bestRank) {
            bestRank = r
            at = i
          }
        }
        if (at < 0) break
        syms = [...syms.slice(0, at), syms[at] + syms[at + 1], ...syms.slice(at + 2)]
      }
    }
    const out: number[] = []
    for (const s of syms) {
      const id = this.index.get(s)
      if (id !== undefined && !this.specialIdSet.has(id) && !this.byteOf.has(id)) out.push(id)
      else for (const b of utf8.encode(s)) out.push(this.byteIds[b])
    }
    if (this.cache.size < 50_000) this.cache.set(chunk, out)
    return out
  }

  encode(text: string): number[] {
    const out: number[] = []
    for (const c of chunkText(text)) for (const id of this.encodeChunk(c)) out.push(id)
    return out
  }

  decode(ids: ReadonlyArray<number>): string {
    let out = ""
    let bytes: number[] = []
    for (const id of ids) {
      const b = this.byteOf.get(id)
      if (b !== undefined) {
        bytes.push(b)
        continue
      }
      if (bytes.length > 0) {
        out += utf8d.decode(Uint8Array.from(bytes))
        bytes = []
      }
      if (id < 0 || id >= this.vocabSize || this.specialIdSet.has(id)) continue
      out += this.data.vocab[id]
    }
    if (bytes.length > 0) out += utf8d.decode(Uint8Array.from(bytes))
    return out
  }

  idToPiece(id: number): string | undefined {
    return this.data.vocab[id]
  }

  pieceToId(piece: string): number | undefined {
    return this.index.get(piece)
  }

  toJSON(): TrainedTokenizerData {
    return this.data
  }
}
