/**
 * SentencePiece text normalization (normalizer.cc): user-defined symbols pass through untouched,
 * the precompiled charsmap rewrites the rest, extra whitespace is removed, a dummy "▁" prefix is
 * added, and spaces become "▁". Works on code points, so offsets never split a character.
 */
import { Charsmap } from "./charsmap.js"
import type { NormalizerSpec } from "./modelProto.js"
import { CharTrie } from "./charTrie.js"

export const SPACE_SYMBOL = "\u2581"

export class Normalizer {
  private readonly charsmap: Charsmap | undefined

  constructor(
    private readonly spec: NormalizerSpec,
    private readonly userDefined: CharTrie,
    private readonly whitespaceAsSuffix: boolean,
    where: string
  ) {
    this.charsmap =
      spec.precompiledCharsmap !== undefined && spec.precompiledCharsmap.length > 0
        ? new Charsmap(spec.precompiledCharsmap, where)
        : undefined
  }

  /** normalizes one prefix: [text, code points consumed] */
  private prefix(chars: ReadonlyArray<string>, i: number): [string, number] {
    const ud = this.userDefined.longestMatch(chars, i)
    if (ud !== undefined) return [chars.slice(i, i + ud.length).join(""), ud.length]
    if (this.charsmap !== undefined) {
      const m = this.charsmap.longest(chars, i)
      if (m !== undefined) return [m.replacement, m.consumed]
    }
    return [chars[i], 1]
  }

  normalize(text: string): string {
    const chars = Array.from(text)
    const spec = this.spec
    let i = 0
    if (spec.removeExtraWhitespaces) {
      while (i < chars.length) {
        const [s, n] = this.prefix(chars, i)
        if (s !== " ") break
        i += n
      }
    }
    if (i >= chars.length) return ""
    const space = spec.escapeWhitespaces ? SPACE_SYMBOL : " "
    let out = ""
    if (!this.whitespaceAsSuffix && spec.addDummyPrefix) out += space
    let prevSpace = spec.removeExtraWhitespaces
    while (i < chars.length) {
      let [s, n] = this.prefix(chars, i)
      if (spec.removeExtraWhitespaces && prevSpace) while (s.startsWith(" ")) s = s.slice(1)
      if (s.length > 0) {
        out += spec.escapeWhitespaces ? s.replaceAll(" ", SPACE_SYMBOL) : s
        prevSpace = s.endsWith(" ")
      }
      i += n
    }
    if (spec.removeExtraWhitespaces) while (out.endsWith(space)) out = out.slice(0, out.length - space.length)
    if (this.whitespaceAsSuffix && spec.addDummyPrefix) out += space
    return out
  }
}
