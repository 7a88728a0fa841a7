/**
 * The handler modules of the commands that may also run without @effect/cli (see directArgs.ts):
 * one loader per command, used by its descriptor in ./commands and by the direct path, so both run
 * the same handler. A handler here needs no service from the command line's runtime (its
 * requirements are `never`, checked below): the direct path runs it as it is.
 */
import type { Effect } from "effect"

export const directHandlers = {
  inspect: () => import("./handlers/inspect.js"),
  plan: () => import("./handlers/plan.js"),
  report: () => import("./handlers/report.js"),
  runs: () => import("./handlers/runs.js"),
  status: () => import("./handlers/status.js")
} satisfies Record<string, () => Promise<{ readonly default: (args: never) => Effect.Effect<void, unknown, never> }>>

export type DirectCommand = keyof typeof directHandlers
