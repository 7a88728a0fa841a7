/** What a run reports, one object per event (`--json` prints exactly these, one per line). */
export type StageEventStatus = "cached" | "running" | "done" | "failed" | "retrying" | "skipped"

export type RunEvent =
  | {
      readonly type: "run"
      readonly status: "started" | "done" | "failed" | "interrupted"
      readonly run: string
      readonly workflow: string
      readonly store: string
      readonly stages?: number
    }
  | {
      readonly type: "stage"
      readonly stage: string
      readonly status: StageEventStatus
      readonly key: string
      readonly plugin: string
      readonly reason?: string
      readonly attempt?: number
      readonly delayMs?: number
      readonly error?: string
      readonly errorTag?: string
      readonly durationMs?: number
    }
  | {
      readonly type: "progress"
      readonly stage: string
      readonly done: number
      readonly total: number
      readonly unit: string
      readonly etaSeconds?: number
      readonly [extra: string]: unknown
    }
  | {
      readonly type: "log"
      readonly stage: string
      readonly level: "debug" | "info" | "warn" | "error"
      readonly message: string
      readonly fields?: Record<string, unknown>
    }

export type EventSink = (e: RunEvent) => void
