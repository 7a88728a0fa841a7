/**
 * Scoped acquisition of a gradient engine: the workers (or the in-thread program's tensors) are
 * released on every exit path — success, failure or interrupt.
 */
import { availableParallelism } from "node:os"
import { Effect, type Scope } from "effect"
import { PermanentError, errorMessage } from "@zaoji/core"
import { ensureBackend } from "@zaoji/tensor"
import { localEngine, type GradientEngine } from "./engine.js"
import type { ProgramModule, ProgramSpec } from "./program.js"
import { startWorkerPool } from "./workerPool.js"

export type WorkersOption = number | "auto"

/**
 * "auto" uses worker threads only where they pay: each worker needs seconds to start (module
 * loading, its own WASM instance, its copy of the weights) and every step costs a round of messages
 * and a parameter copy, so only long runs of heavy steps get them. Measured on an idle 2-core
 * machine (tools/bench training, small preset, batch 8×128): two workers ran 1.45× (full), 1.77×
 * (freeze) and 1.67× (prefix) as fast as one, the main thread only waiting for them, so "auto" takes
 * one worker per core. On a machine busy with other work the gain shrinks (0.9–1.65× was seen):
 * set `workers: 1` there.
 */
export const AUTO_WORKERS_MIN_CORES = 2
export const AUTO_WORKERS_MIN_GFLOP_PER_STEP = 5
export const AUTO_WORKERS_MIN_TOTAL_GFLOP = 2000

/** Worker count for "auto": one per core (at most 4, at most one per batch row), or 1. */
export const resolveWorkers = (
  option: WorkersOption,
  gflopPerStep: number,
  batchRows: number,
  totalSteps: number,
  cores: number = availableParallelism()
): number => {
  if (option !== "auto") return Math.max(1, Math.floor(option))
  if (cores < AUTO_WORKERS_MIN_CORES || batchRows < 2) return 1
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
      try: async () => {
        // the backend is chosen before any weight is created: tensors made earlier would live on the
        // default (pure-JS cpu) backend, ~30x slower than WASM for matmuls
        const backend = await ensureBackend()
        // worker threads pay off only on WASM's single thread: on webgpu each would open its own
        // device on the same GPU, with its own copy of the weights
        return options.workers <= 1 || backend === "webgpu"
          ? localEngine(await createLocalProgram(options.spec), options.padId)
          : startWorkerPool(options.spec, options.workers, options.padId)
      },
      catch: (e) =>
        new PermanentError({ message: `cannot start the training engine: ${errorMessage(e)}`, cause: e })
    }),
    (engine) => Effect.promise(() => engine.close())
  )
