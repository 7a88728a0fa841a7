/**
 * What `zaoji status --cluster` shows: the runners (tags, slots, when last seen, what they run now)
 * and, for the latest submission (or a chosen one), where each stage ran and how it ended.
 */
import { Effect } from "effect"
import { type ClusterUnavailable, pgLayer } from "./pg.js"
import { Placements, placementsLayer, type ItemRunRow, type PlacementRow, type RunnerRow, type SubmissionRow } from "./placements.js"
import { goneAfterSeconds } from "./settings.js"

export interface ClusterStatus {
  readonly runners: ReadonlyArray<RunnerRow & { readonly state: "up" | "gone" | "stopped"; readonly running: ReadonlyArray<string> }>
  readonly submission: SubmissionRow | undefined
  readonly placements: ReadonlyArray<PlacementRow>
  /** the fanned-out items of those stages: where each ran and how it ended */
  readonly items: ReadonlyArray<ItemRunRow>
}

export const clusterStatus = (url: string, submission?: string): Effect.Effect<ClusterStatus, ClusterUnavailable> =>
  Effect.gen(function* () {
    const p = yield* Placements
    const runners = yield* p.runners()
    const subs = yield* p.submissions(1000)
    const sub = submission ? subs.find((s) => s.id.startsWith(submission)) : subs[0]
    const placements = sub ? yield* p.forSubmission(sub.id) : []
    const items = yield* p.itemsOf([...new Set(placements.map((x) => x.key))])
    const runningNow = new Map<string, string[]>()
    for (const r of runners) {
      const rows = (yield* p.running(r.id)).map((x) => x.stageId)
      runningNow.set(r.id, rows)
    }
    return {
      runners: runners.map((r) => ({
        ...r,
        state: r.stoppedAt ? ("stopped" as const) : r.silentFor > goneAfterSeconds ? ("gone" as const) : ("up" as const),
        running: runningNow.get(r.id) ?? []
      })),
      submission: sub,
      placements,
      items
    }
  }).pipe(Effect.provide(placementsLayer), Effect.provide(pgLayer(url)))

/** Plain-text lines of a status, for the terminal. */
export const statusLines = (st: ClusterStatus): ReadonlyArray<string> => {
  const out: string[] = [`runners (${st.runners.length})`]
  for (const r of st.runners) {
    const running = r.running.length ? `  running ${r.running.join(", ")}` : ""
    out.push(`  ${r.id.padEnd(22)} ${r.state.padEnd(7)} tags ${r.tags.join(",") || "-"}  slots ${r.slots}  seen ${Math.round(r.silentFor)} s ago${running}`)
  }
  if (!st.submission) return [...out, "no submissions yet"]
  const s = st.submission
  out.push(`submission ${s.id}  ${s.workflow}  ${s.status}  started ${s.startedAt}  store ${s.store}`)
  const w = Math.max(5, ...st.placements.map((p) => p.stageId.length))
  for (const p of st.placements) {
    const err = p.error ? `  ${p.error}` : ""
    out.push(`  ${p.stageId.padEnd(w)}  ${p.status.padEnd(7)}  ${p.key.slice(0, 8)}  on ${p.runner}${err}`)
    const spread = itemSpread(st.items.filter((i) => i.stageKey === p.key))
    if (spread) out.push(`  ${"".padEnd(w)}  items: ${spread}`)
  }
  return out
}

// internal

/** `12 done on A, 9 done 1 failed on B` */
const itemSpread = (items: ReadonlyArray<ItemRunRow>): string => {
  const by = new Map<string, Map<string, number>>()
  for (const i of items) {
    const m = by.get(i.runner) ?? new Map<string, number>()
    m.set(i.status, (m.get(i.status) ?? 0) + 1)
    by.set(i.runner, m)
  }
  return [...by].map(([runner, m]) => `${[...m].map(([status, n]) => `${n} ${status}`).join(" ")} on ${runner}`).join(", ")
}
