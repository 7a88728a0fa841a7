import { BlockList, isIP } from "node:net"
import { Effect } from "effect"
import { makeFsCheckpoint } from "./checkpoint.js"
import { redact, redactString } from "./redact.js"
import type { StageContext } from "./StageContext.js"

export type LogLevel = "debug" | "info" | "warn" | "error"

// 127.0.0.0/8 and ::1; BlockList also matches their IPv4-mapped IPv6 forms (::ffff:127.0.0.1)
const loopback = new BlockList()
loopback.addSubnet("127.0.0.0", 8, "ipv4")
loopback.addAddress("::1", "ipv6")

/**
 * A URL host (as `new URL(…).hostname` gives it, brackets allowed) that names this machine: an IP
 * literal inside the loopback ranges, or the name `localhost` itself. Nothing is resolved, and no
 * other name counts: `127.evil.example` and `x.localhost` are names a DNS server may point anywhere.
 */
export const isLoopbackHost = (hostname: string): boolean => {
  const host = hostname.replace(/^\[(.*)\]$/, "$1")
  if (host === "localhost") return true
  const family = isIP(host)
  return family !== 0 && loopback.check(host, family === 4 ? "ipv4" : "ipv6")
}

/** Loopback endpoints are always allowed: record text sent there never leaves the machine. */
export const isLocalEndpoint = (url: string): boolean => {
  try {
    // the WHATWG parser lower-cases names and normalises IPv4 shorthands (127.1, 0x7f.0.0.1)
    return isLoopbackHost(new URL(url).hostname)
  } catch {
    return false
  }
}

/** Endpoint allow-list check: exact URL prefix match against what the workflow explicitly allows. */
const endpointAllowed = (allowed: ReadonlyArray<string>) => (url: string): boolean =>
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
