/** The per-run quality report: what came in, what went out, why the rest was rejected. */
export interface LengthStats {
  readonly count: number
  readonly min: number
  readonly mean: number
  readonly median: number
  readonly max: number
}

export const lengthStats = (xs: ReadonlyArray<number>): LengthStats => {
  if (xs.length === 0) return { count: 0, min: 0, mean: 0, median: 0, max: 0 }
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return {
    count: s.length,
    min: s[0]!,
    mean: Math.round((s.reduce((a, b) => a + b, 0) / s.length) * 10) / 10,
    median: s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2,
    max: s[s.length - 1]!
  }
}

export const addCounts = (into: Record<string, number>, from: Readonly<Record<string, number | undefined>>) => {
  for (const [k, v] of Object.entries(from)) if (v) into[k] = (into[k] ?? 0) + v
}
