import type { Effect } from "effect"

/**
 * In-stage resume. Scoped to the stage's cache key, so a crashed or interrupted stage finds what it
 * had persisted when it is started again with the same key (and nothing when its key changed).
 */
export interface Checkpoint {
  /** folder reserved for this stage key's checkpoint files (survives crashes; removed on success) */
  readonly dir: string
  /** durable per-item results: put is atomic (fsync + rename), so a kill never leaves a torn item */
  readonly getItem: (id: string) => Effect.Effect<unknown | undefined>
  readonly putItem: (id: string, value: unknown) => Effect.Effect<void>
  readonly items: () => Effect.Effect<ReadonlyMap<string, unknown>>
  /** a whole state snapshot (e.g. training state): JSON metadata + named binary blobs, atomic */
  readonly saveState: (meta: unknown, blobs?: Readonly<Record<string, Uint8Array>>) => Effect.Effect<void>
  readonly loadState: () => Effect.Effect<{ meta: unknown; blobs: Readonly<Record<string, Uint8Array>> } | undefined>
}

export interface Progress {
  /** report progress of the current stage; unit e.g. "items", "steps", "tokens" */
  readonly report: (done: number, total: number, unit: string, extra?: Record<string, unknown>) => Effect.Effect<void>
}

export interface StageContext {
  /** the stage instance id in the workflow */
  readonly stageId: string
  /** content-addressed cache key of this stage run */
  readonly key: string
  /** temp folder to write outputs into; moved into the store atomically on success */
  readonly outDir: string
  /** folder of the workflow file: relative paths in configs resolve against it */
  readonly baseDir: string
  readonly checkpoint: Checkpoint
  readonly progress: Progress
  /** structured log for this stage (secrets are redacted by the engine) */
  readonly log: (level: "debug" | "info" | "warn" | "error", message: string, fields?: Record<string, unknown>) => Effect.Effect<void>
  /** record a metric into the manifest (e.g. final loss, counts) */
  readonly metric: (name: string, value: unknown) => Effect.Effect<void>
  /** whether record-derived (sensitive) text may be sent to this endpoint URL */
  readonly allowEndpoint: (url: string) => boolean
  /** the abort signal of this stage attempt (set on interrupt) for non-Effect code */
  readonly signal: AbortSignal
}
