/**
 * jieba 0.42.1's prefix dictionary (`gen_pfdict`): every word maps to its frequency, every proper
 * prefix of a word that is not itself a word maps to 0, and `total` is the sum of the frequency
 * column over all lines.
 *
 * The word list comes from `@node-rs/jieba` (pinned 2.0.3), whose `dict.txt` is jieba's default
 * dictionary with one duplicate line removed: jieba 0.42.1's `dict.txt` lists `B超 3 n` twice and
 * its loader adds every line to `total`, so the total is the sum over distinct words plus 3. The
 * loader checks the word count and total so a changed dictionary cannot go unnoticed.
 */
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"

export interface JiebaDictionary {
  /** word or prefix → frequency (0 for a prefix that is not a word) */
  readonly freq: ReadonlyMap<string, number>
  /** jieba's `total` */
  readonly total: number
  /** number of distinct words */
  readonly words: number
}

/** jieba 0.42.1 default dictionary: 349,046 lines, 349,045 distinct words, total frequency */
export const JIEBA_0_42_1_TOTAL = 60101967
export const JIEBA_0_42_1_DISTINCT_WORDS = 349045
/** frequency of the line jieba's dict.txt repeats and the shipped copy lists once */
const DUPLICATE_LINE_FREQ = 3

/** build a prefix dictionary from dict.txt text (`word freq [tag]` per line) */
export const parseDictionary = (text: string, extraTotal = 0): JiebaDictionary => {
  const freq = new Map<string, number>()
  let total = extraTotal
  let words = 0
  let start = 0
  let lineNo = 0
  while (start < text.length) {
    let end = text.indexOf("\n", start)
    if (end < 0) end = text.length
    const line = text.slice(start, end).trim()
    start = end + 1
    lineNo++
    if (line.length === 0) continue
    const sp = line.indexOf(" ")
    const word = sp < 0 ? line : line.slice(0, sp)
    const sp2 = sp < 0 ? -1 : line.indexOf(" ", sp + 1)
    const f = Number(sp < 0 ? NaN : line.slice(sp + 1, sp2 < 0 ? line.length : sp2))
    if (!Number.isInteger(f)) throw new Error(`jieba dictionary line ${lineNo}: expected "word frequency [tag]", got ${JSON.stringify(line)}`)
    if (!(freq.get(word)! > 0)) words++
    freq.set(word, f)
    total += f
    for (let i = 1; i < word.length; i++) {
      const prefix = word.slice(0, i)
      if (!freq.has(prefix)) freq.set(prefix, 0)
    }
  }
  return { freq, total, words }
}

let defaultDict: JiebaDictionary | undefined

/** the default jieba 0.42.1 dictionary (loaded once per process, ~0.5 s) */
export const defaultDictionary = (): JiebaDictionary => {
  if (defaultDict !== undefined) return defaultDict
  const require = createRequire(import.meta.url)
  const path = require.resolve("@node-rs/jieba/dict.txt")
  const dict = parseDictionary(readFileSync(path, "utf8"), DUPLICATE_LINE_FREQ)
  if (dict.total !== JIEBA_0_42_1_TOTAL || dict.words !== JIEBA_0_42_1_DISTINCT_WORDS) {
    throw new Error(
      `the jieba dictionary at ${path} is not jieba 0.42.1's default dictionary ` +
        `(expected ${JIEBA_0_42_1_DISTINCT_WORDS} words with total ${JIEBA_0_42_1_TOTAL}, got ${dict.words} with total ${dict.total})`
    )
  }
  defaultDict = dict
  return dict
}
