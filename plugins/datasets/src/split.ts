/**
 * Seeded, stratified splitting and sampling. Each stratum is shuffled with its own seed (derived
 * from the run seed and the stratum name), so adding records of one department does not reshuffle
 * another. Fractional quotas carry over between strata so the totals match the ratios.
 */
import { type QaPair, hash32, seededShuffle } from "@zaoji/data"

export type StratifyBy = "relation" | "department" | "entity" | "source" | "none"

export const stratumOf = (p: QaPair, by: StratifyBy): string =>
  by === "none" ? "all" : ((by === "relation" ? p.relation : by === "department" ? p.department : by === "entity" ? p.entity : p.source) ?? "none")

const groups = (rows: ReadonlyArray<QaPair>, by: StratifyBy): Array<[string, Array<QaPair>]> => {
  const m = new Map<string, Array<QaPair>>()
  for (const r of rows) {
    const k = stratumOf(r, by)
    const g = m.get(k) ?? []
    g.push(r)
    m.set(k, g)
  }
  // sorted keys and ids: the result must not depend on file order
  const byId = (x: QaPair, y: QaPair) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0)
  return [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, g]) => [k, g.sort(byId)] as [string, Array<QaPair>])
}

export interface SplitRatios {
  readonly train: number
  readonly validation: number
  readonly test: number
}

export const splitPairs = (rows: ReadonlyArray<QaPair>, ratios: SplitRatios, seed: number, by: StratifyBy) => {
  const total = ratios.train + ratios.validation + ratios.test
  const fv = ratios.validation / total
  const ft = ratios.test / total
  const out = { train: [] as Array<QaPair>, validation: [] as Array<QaPair>, test: [] as Array<QaPair> }
  let accV = 0
  let accT = 0
  let givenV = 0
  let givenT = 0
  for (const [key, g] of groups(rows, by)) {
    const shuffled = seededShuffle(g, hash32(`${seed}|${key}`))
    accV += g.length * fv
    accT += g.length * ft
    const nv = Math.min(g.length, Math.floor(accV + 1e-9) - givenV)
    const nt = Math.min(g.length - nv, Math.floor(accT + 1e-9) - givenT)
    givenV += nv
    givenT += nt
    out.test.push(...shuffled.slice(0, nt))
    out.validation.push(...shuffled.slice(nt, nt + nv))
    out.train.push(...shuffled.slice(nt + nv))
  }
  return out
}

/** a seeded sample of `n` rows, proportional per stratum (largest remainders) */
export const samplePairs = (rows: ReadonlyArray<QaPair>, n: number, seed: number, by: StratifyBy): Array<QaPair> => {
  if (n >= rows.length) return seededShuffle(rows, seed)
  const gs = groups(rows, by)
  const exact = gs.map(([, g]) => (g.length * n) / rows.length)
  const take = exact.map(Math.floor)
  let left = n - take.reduce((a, b) => a + b, 0)
  const order = exact.map((e, i) => [e - Math.floor(e), i] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1])
  for (const [, i] of order) {
    if (left <= 0) break
    take[i]!++
    left--
  }
  const picked = gs.flatMap(([key, g], i) => seededShuffle(g, hash32(`${seed}|${key}`)).slice(0, take[i]))
  return seededShuffle(picked, seed)
}

export const countBy = (rows: ReadonlyArray<QaPair>, by: StratifyBy): Record<string, number> => {
  const c: Record<string, number> = {}
  for (const r of rows) {
    const k = stratumOf(r, by)
    c[k] = (c[k] ?? 0) + 1
  }
  return c
}
