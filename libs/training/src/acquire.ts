/**
 * Scoped acquisition of a gradient engine: the workers (or the in-thread program's tensors) are
 * released on every exit path — success, failure or interrupt.
 */
import { availableParallelism } from "node:os"
import { Effect, type Scope } from "effect"
import { PermanentError } from "@zaoji/core"
import { localEngine, type GradientEngine } from "./engine.js"
import type { ProgramModule, ProgramSpec } from "./program.js"
import { startWorkerPool } from "./workerPool.js"

export type WorkersOption = number | "auto"

/**
 * "auto" uses worker threads only when they can pay for themselves: each worker needs a few seconds
 * to start (module loading, its own WASM instance, its copy of the weights) and every step costs a
 * round of messages and a parameter copy, so a run must be long and its steps heavy. Thresholds
 * from tools/bench training (see the README figures): below them one thread is as fast or faster.
 */
export const AUTO_WORKERS_MIN_GFLOP_PER_STEP = 5
export const AUTO_WORKERS_MIN_TOTAL_GFLOP = 2000

/** Worker count for "auto": one per core (at most 4, at most one per batch row) or 1. */
export const resolveWorkers = (option: WorkersOption, gflopPerStep: number, batchRows: number, totalSteps: number): number => {
  if (option !== "auto") return Math.max(1, Math.floor(option))
  const cores = availableParallelism()
  if (cores < 2 || batchRows < 2) return 1
  if (gflopPerStep < AUTO_WORKERS_MIN_GFLOP_PER_STEP || gflopPerStep * totalSteps < AUTO_WORKERS_MIN_TOTAL_GFLOP) return 1
  return Math.min(cores, 4, batchRows)
}

export const createLocalProgram = async (spec: ProgramSpec) => {
  const mod = (await import(spec.module)) as ProgramModule
  return mod.createProgram(spec.args)
}

export const acquireEngine = (options: {
  readonly spec: ProgramSpec
  readonly workers: number
  readonly padId: number
}): Effect.Effect<GradientEngine, PermanentError, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () =>
        options.workers <= 1
          ? localEngine(await createLocalProgram(options.spec), options.padId)
          : startWorkerPool(options.spec, options.workers, options.padId),
      catch: (e) =>
        new PermanentError({ message: `cannot start the training engine: ${e instanceof Error ? e.message : String(e)}`, cause: e })
    }),
    (engine) => Effect.promise(() => engine.close())
  )
