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

const splitRe = new RegExp(`[${PY_WS_CLASS}]+`, "u")
const leadRe = new RegExp(`^[${PY_WS_CLASS}]+`, "u")
const trailRe = new RegExp(`[${PY_WS_CLASS}]+$`, "u")

/** Python `s.split()` (no argument): split on runs of whitespace, no empty strings */
export const pySplit = (s: string): Array<string> => {
  const t = pyStrip(s)
  return t.length === 0 ? [] : t.split(splitRe)
}

export const pyRstrip = (s: string): string => s.replace(trailRe, "")
export const pyStrip = (s: string): string => s.replace(leadRe, "").replace(trailRe, "")

/** Python `list(s)`: Unicode code points (not UTF-16 units) */
export const codePoints = (s: string): Array<string> => Array.from(s)
