import { Effect } from "effect"
import { makeFsCheckpoint } from "./checkpoint.js"
import { redact, redactString } from "./redact.js"
import type { StageContext } from "./StageContext.js"

export type LogLevel = "debug" | "info" | "warn" | "error"

/** Loopback endpoints are always allowed: record text sent there never leaves the machine. */
export const isLocalEndpoint = (url: string): boolean => {
  try {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, "")
    return host === "localhost" || host === "::1" || /^127\./.test(host) || host.endsWith(".localhost")
  } catch {
    return false
  }
}

/** Endpoint allow-list check: exact URL prefix match against what the workflow explicitly allows. */
export const endpointAllowed = (allowed: ReadonlyArray<string>) => (url: string): boolean =>
  isLocalEndpoint(url) || allowed.some((a) => url === a || url.startsWith(a.endsWith("/") ? a : `${a}/`))

export interface StageContextParts {
  readonly stageId: string
  readonly key: string
  readonly outDir: string
  readonly baseDir: string
  readonly checkpointDir: string
  readonly signal: AbortSignal
  readonly allowedEndpoints: ReadonlyArray<string>
  readonly onProgress: (done: number, total: number, unit: string, extra?: Record<string, unknown>) => Effect.Effect<void>
  readonly onLog: (level: LogLevel, message: string, fields?: Record<string, unknown>) => Effect.Effect<void>
  readonly onMetric: (name: string, value: unknown) => Effect.Effect<void>
}

/** Assemble a StageContext; secrets are redacted here, before any sink sees a log line or metric. */
export const makeStageContext = (p: StageContextParts): StageContext => ({
  stageId: p.stageId,
  key: p.key,
  outDir: p.outDir,
  baseDir: p.baseDir,
  checkpoint: makeFsCheckpoint(p.checkpointDir),
  progress: {
    report: (done, total, unit, extra) => Effect.suspend(() => p.onProgress(done, total, unit, extra && redact(extra)))
  },
  log: (level, message, fields) => Effect.suspend(() => p.onLog(level, redactString(message), fields && redact(fields))),
  metric: (name, value) => Effect.suspend(() => p.onMetric(name, redact(value))),
  allowEndpoint: endpointAllowed(p.allowedEndpoints),
  signal: p.signal
})
