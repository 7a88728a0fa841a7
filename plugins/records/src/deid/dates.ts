/**
 * Dates in the forms Chinese records write them, made relative to the record's latest date (which
 * keeps the course of illness readable without the calendar dates, a Safe Harbor identifier):
 * ISO and 年月日 forms, slashes in both orders (2023/3/12, 3/12/2023), dots, eight-digit compact
 * dates (20230315), two-digit years (23年3月7日), Chinese numerals (二〇二三年三月十日), month-day
 * dates without a year, year-month dates, each with an optional time of day, which is dropped.
 */
export interface ParsedDate {
  readonly index: number
  readonly length: number
  /** undefined for a month-day date written without a year ("3月5日"); placed by `placeYearless` */
  readonly year: number | undefined
  readonly month: number
  readonly day: number
  /** the date named only a month */
  readonly monthOnly: boolean
}

const TIME = String.raw`(?:\s*T?\s*(?:凌晨|早上|早晨|上午|中午|下午|晚上|晚间|夜间)?\s*\d{1,2}\s*(?:[:：]\s*\d{2}(?:\s*[:：]\s*\d{2})?|[时点](?:\s*\d{1,2}\s*分)?(?:\s*\d{1,2}\s*秒)?))?`
const CN_DIGIT = "〇零○Ｏ一二三四五六七八九"
const CN_MONTH = "(十[一二]?|[一二三四五六七八九])"
const CN_DAY = "(三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九])"

const cnDigit = (c: string): number => ("〇零○Ｏ".includes(c) ? 0 : "一二三四五六七八九".indexOf(c) + 1)
/** 三 → 3, 十二 → 12, 二十一 → 21 */
const cnNumber = (s: string): number => {
  if (!s.includes("十")) return cnDigit(s)
  const [tens, ones] = s.split("十") as [string, string]
  return (tens === "" ? 1 : cnDigit(tens)) * 10 + (ones === "" ? 0 : cnDigit(ones))
}
const cnYear = (s: string): number => {
  const n = Number([...s].map(cnDigit).join(""))
  return s.length === 2 ? twoDigitYear(n) : n
}
/** 23 → 2023, 98 → 1998: records written with two-digit years are recent */
const twoDigitYear = (n: number) => (n <= 50 ? 2000 + n : 1900 + n)

type Reader = { readonly re: RegExp; readonly read: (m: RegExpMatchArray) => Omit<ParsedDate, "index" | "length"> | undefined }

const full = (y: number, mo: number, d: number | undefined) => ({ year: y, month: mo, day: d ?? 1, monthOnly: d === undefined })

/** in priority order: a later form never overlaps an earlier one's match */
const readers: ReadonlyArray<Reader> = [
  // 2023年3月15日, 2023-03-15, 2023/3/15, 2023.3.15, 2023年3月 (month only), with a time
  {
    re: new RegExp(String.raw`(?<![\d.])(\d{4})\s*(?:年|-|\/|\.)\s*(\d{1,2})\s*(?:(?:月|-|\/|\.)\s*(\d{1,2})\s*[日号]?${TIME}|月(?!\d))`, "g"),
    read: (m) => full(Number(m[1]), Number(m[2]), m[3] === undefined ? undefined : Number(m[3]))
  },
  // 3/12/2023 (month first) or 12/3/2023 (day first: read as such only when month-first cannot be)
  {
    re: new RegExp(String.raw`(?<![\d./-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?![\d./-])${TIME}`, "g"),
    read: (m) => {
      const a = Number(m[1])
      const b = Number(m[3])
      return a <= 12 ? full(Number(m[4]), a, b) : full(Number(m[4]), b, a)
    }
  },
  // 20230315 (a compact date: only with a valid month and day)
  {
    re: new RegExp(String.raw`(?<![\dA-Za-z])((?:19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?![\dA-Za-z])${TIME}`, "g"),
    read: (m) => full(Number(m[1]), Number(m[2]), Number(m[3]))
  },
  // 23年3月7日
  {
    re: new RegExp(String.raw`(?<![\d.])(\d{2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]${TIME}`, "g"),
    read: (m) => full(twoDigitYear(Number(m[1])), Number(m[2]), Number(m[3]))
  },
  // 16-9-12, 16/09/12 (a two-digit year first; month and day must be valid)
  {
    re: new RegExp(String.raw`(?<![\d./:-])(\d{2})([-/.])(\d{1,2})\2(\d{1,2})(?![\d./:-])${TIME}`, "g"),
    read: (m) => full(twoDigitYear(Number(m[1])), Number(m[3]), Number(m[4]))
  },
  // 二〇二三年三月十日, 二〇二三年三月
  {
    re: new RegExp(`([${CN_DIGIT}]{4}|[${CN_DIGIT}]{2})年${CN_MONTH}月(?:${CN_DAY}[日号])?`, "g"),
    read: (m) => full(cnYear(m[1]!), cnNumber(m[2]!), m[3] === undefined ? undefined : cnNumber(m[3]))
  },
  // 2023-03 (year and month only; the dotted form 2023.03 is more often a value than a date)
  {
    re: /(?<![\d.])(\d{4})[-/](0[1-9]|1[0-2])(?![\d./-])/g,
    read: (m) => full(Number(m[1]), Number(m[2]), undefined)
  },
  // 3月5日, 3月5号 (the bare "3-5" or "3.5" is far more often a range or a size than a date)
  {
    re: new RegExp(String.raw`(?<![\d年.\-/])(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]${TIME}`, "g"),
    read: (m) => ({ year: undefined, month: Number(m[1]), day: Number(m[2]), monthOnly: false })
  },
  // 三月十日
  {
    re: new RegExp(`(?<![${CN_DIGIT}十年])${CN_MONTH}月${CN_DAY}[日号]`, "g"),
    read: (m) => ({ year: undefined, month: cnNumber(m[1]!), day: cnNumber(m[2]!), monthOnly: false })
  }
]

const validDate = (y: number | undefined, mo: number, d: number) =>
  (y === undefined || (y >= 1900 && y <= 2100)) && mo >= 1 && mo <= 12 && d >= 1 && d <= 31

export const findDates = (text: string): Array<ParsedDate> => {
  const out: Array<ParsedDate> = []
  const overlaps = (a: number, b: number) => out.some((f) => a < f.index + f.length && f.index < b)
  for (const r of readers) {
    for (const m of text.matchAll(r.re)) {
      const start = m.index!
      const end = start + m[0].length
      const d = r.read(m)
      if (!d || !validDate(d.year, d.month, d.day) || overlaps(start, end)) continue
      out.push({ index: start, length: m[0].length, ...d })
    }
  }
  return out.sort((a, b) => a.index - b.index)
}

const utc = (year: number, d: ParsedDate) => Date.UTC(year, d.month - 1, d.day)

/**
 * A year-less date takes the year that puts it nearest the record's latest full date (so "12月28日"
 * in a record admitted on 2023-01-03 is a week earlier, not eleven months later). A record with no
 * full date at all gets one arbitrary leap year for all of them, which keeps their spacing.
 */
const placeYearless = (all: ReadonlyArray<ParsedDate>): ((d: ParsedDate) => number) => {
  const fullTimes = all.filter((d) => d.year !== undefined).map((d) => utc(d.year!, d))
  if (fullTimes.length === 0) return (d) => utc(d.year ?? 2000, d)
  const anchor = Math.max(...fullTimes)
  const anchorYear = new Date(anchor).getUTCFullYear()
  return (d) => {
    if (d.year !== undefined) return utc(d.year, d)
    const candidates = [anchorYear - 1, anchorYear, anchorYear + 1].map((y) => utc(y, d))
    return candidates.reduce((best, t) => (Math.abs(t - anchor) < Math.abs(best - anchor) ? t : best))
  }
}

const DAY = 86_400_000
/** "3天前", "2个月后", "同日" … relative to `ref` */
export const relativeDate = (time: number, ref: number, monthOnly = false): string => {
  const days = Math.round((time - ref) / DAY)
  if (days === 0) return monthOnly ? "当月" : "同日"
  const abs = Math.abs(days)
  const dir = days < 0 ? "前" : "后"
  if (abs < 31 && !monthOnly) return `${abs}天${dir}`
  if (abs < 365) return `${Math.max(1, Math.round(abs / 30))}个月${dir}`
  return `${Math.round(abs / 365)}年${dir}`
}

/**
 * Replace exact dates across all of a record's texts, relative to the latest date found in any of
 * them (one reference per record keeps the timeline consistent between sections).
 */
export const relativizeDates = (texts: ReadonlyArray<string>, counts: Record<string, number | undefined>): Array<string> => {
  const all = texts.map(findDates)
  const flat = all.flat()
  if (flat.length === 0) return [...texts]
  const timeOf = placeYearless(flat)
  const times = new Map(flat.map((d) => [d, timeOf(d)]))
  const ref = Math.max(...times.values())
  return texts.map((t, i) => {
    let out = ""
    let pos = 0
    for (const d of all[i]!) {
      out += t.slice(pos, d.index) + relativeDate(times.get(d)!, ref, d.monthOnly)
      pos = d.index + d.length
      counts.date = (counts.date ?? 0) + 1
    }
    return out + t.slice(pos)
  })
}
