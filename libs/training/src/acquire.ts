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
 * Below this much work per optimizer step a second backend instance does not pay for its message
 * and parameter-copy overhead (measured with tools/bench training: see the README figures).
 */
export const AUTO_WORKERS_MIN_GFLOP_PER_STEP = 1.5

/**
 * Worker count for "auto": one per core (at most 4) when a step carries enough work and the batch
 * has rows to split; otherwise train in the calling thread.
 */
export const resolveWorkers = (option: WorkersOption, gflopPerStep: number, batchRows: number): number => {
  if (option !== "auto") return Math.max(1, Math.floor(option))
  const cores = availableParallelism()
  if (cores < 2 || batchRows < 2 || gflopPerStep < AUTO_WORKERS_MIN_GFLOP_PER_STEP) return 1
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
