import { fsStoreLayer, lockHolder, sqliteJournalLayer, type ArtifactStore, type Journal, type RunRow } from "@zaoji/core"
import { Effect, Layer } from "effect"

/** Provide the store and journal of `storeDir` to read-only commands (they take no lock). */
export const withStore = <A, E>(storeDir: string, eff: Effect.Effect<A, E, ArtifactStore | Journal>) =>
  eff.pipe(Effect.provide(Layer.merge(fsStoreLayer(storeDir), sqliteJournalLayer(storeDir))))

/** A run journaled as running whose process no longer holds the store was killed. */
export const liveStatus = (storeDir: string, r: RunRow): string => {
  if (r.status !== "running") return r.status
  const h = lockHolder(storeDir)
  return h && h.pid === r.pid ? "running" : "interrupted (process gone)"
}

export const duration = (from: string | null, to: string | null): string => {
  if (!from) return ""
  const ms = (to ? Date.parse(to) : Date.now()) - Date.parse(from)
  return ms < 1000 ? `${ms}ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`
}
