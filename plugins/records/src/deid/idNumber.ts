/**
 * Chinese resident ID numbers (GB 11643): 18 characters = 6-digit area + YYYYMMDD + 3-digit order +
 * an ISO 7064 MOD 11-2 check character, or the older 15-digit form (YYMMDD, no check character).
 * The masker takes any number of that shape with a valid birth date (made-up numbers in test data
 * rarely have a valid check character); the residual scan also looks for a valid check character in
 * digits written with spaces or dashes, which no other rule would see as one number.
 */
const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
const CHECK = "10X98765432"

const validBirth = (y: number, m: number, d: number) => {
  if (m < 1 || m > 12 || d < 1 || d > 31) return false
  const t = new Date(Date.UTC(y, m - 1, d))
  return t.getUTCMonth() === m - 1 && t.getUTCDate() === d
}

/** an 18-character ID number with a valid check character (and birth date) */
export const validId18 = (s: string): boolean => {
  if (!/^\d{17}[\dXx]$/.test(s)) return false
  const sum = WEIGHTS.reduce((acc, w, i) => acc + w * Number(s[i]), 0)
  if (CHECK[sum % 11] !== s[17]!.toUpperCase()) return false
  return validBirth(Number(s.slice(6, 10)), Number(s.slice(10, 12)), Number(s.slice(12, 14)))
}

/** masking regex sources: optional single spaces or dashes between the usual groups */
const SEP = "[\\s-]?"
export const id18Source = `(?<![\\dA-Za-z])\\d{6}${SEP}(?:18|19|20)\\d{2}${SEP}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\\d|3[01])${SEP}\\d{3}[\\dXx](?![\\dA-Za-z])`
export const id15Source = `(?<![\\dA-Za-z])\\d{6}${SEP}\\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\\d|3[01])${SEP}\\d{3}(?![\\dA-Za-z])`

/**
 * Spans of digits (single spaces, dashes or dots between them allowed) that read as a valid
 * 18-character ID number once the separators are dropped.
 */
export const findChecksumIds = (text: string): Array<{ index: number; length: number }> => {
  const out: Array<{ index: number; length: number }> = []
  for (const m of text.matchAll(/(?<![\dA-Za-z])\d(?:[\s.-]?[\dXx]){17,24}(?![\dA-Za-z])/g)) {
    const chars = m[0]
    // slide over the run: an ID number may sit inside a longer digit string
    const digits: Array<{ c: string; at: number }> = []
    for (let i = 0; i < chars.length; i++) if (/[\dXx]/.test(chars[i]!)) digits.push({ c: chars[i]!, at: i })
    for (let s = 0; s + 18 <= digits.length; s++) {
      const cand = digits.slice(s, s + 18).map((d) => d.c).join("")
      if (validId18(cand)) {
        const start = digits[s]!.at
        const end = digits[s + 17]!.at + 1
        out.push({ index: m.index! + start, length: end - start })
        break
      }
    }
  }
  return out
}
