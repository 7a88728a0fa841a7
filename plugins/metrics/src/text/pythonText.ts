/**
 * Python `str` semantics the reference tools rely on. Python's `str.split()`, `strip()` and the
 * `\s` of a `str` regex use Unicode whitespace (`str.isspace`), which differs from JavaScript's
 * `\s` (JS adds U+FEFF and lacks U+001C–U+001F and U+0085), so every port uses this set instead.
 */

/** the code points for which Python's `str.isspace()` is true */
export const PY_WHITESPACE =
  "\t\n\u000b\u000c\r\u001c\u001d\u001e\u001f \u0085\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"

const wsSet = new Set(Array.from(PY_WHITESPACE))

export const isPySpace = (ch: string): boolean => wsSet.has(ch)

/** a regex character class body matching Python whitespace */
export const PY_WS_CLASS = Array.from(PY_WHITESPACE)
  .map((c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"))
  .join("")

// every Python whitespace character is in the BMP: one lookup table by UTF-16 unit
const WS_TABLE = (() => {
  const t = new Uint8Array(0x10000)
  for (const c of PY_WHITESPACE) t[c.charCodeAt(0)] = 1
  return t
})()
const wsAt = (s: string, i: number): boolean => WS_TABLE[s.charCodeAt(i)] === 1

/** Python `s.split()` (no argument): split on runs of whitespace, no empty strings */
export const pySplit = (s: string): Array<string> => {
  const out: Array<string> = []
  let start = -1
  for (let i = 0; i < s.length; i++) {
    if (wsAt(s, i)) {
      if (start >= 0) {
        out.push(s.slice(start, i))
        start = -1
      }
    } else if (start < 0) start = i
  }
  if (start >= 0) out.push(s.slice(start))
  return out
}

export const pyRstrip = (s: string): string => {
  let end = s.length
  while (end > 0 && wsAt(s, end - 1)) end--
  return end === s.length ? s : s.slice(0, end)
}

export const pyStrip = (s: string): string => {
  let start = 0
  while (start < s.length && wsAt(s, start)) start++
  return pyRstrip(s.slice(start))
}
