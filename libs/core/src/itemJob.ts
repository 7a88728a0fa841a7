/**
 * Per-item work that may run in another process: an `ItemJob` is a named unit of work (one LLM
 * request, one judgement…) with schemas for its input and output, so that its input can be sent to
 * another machine and its result sent back. A stage runs each item through `runItem`; on one machine
 * nothing provides an `ItemRunner` and the job runs right here, exactly as a direct call would. A
 * cluster runner provides one for the stages it executes, which fans the items out over the runners
 * under one shared limit per `limit.resource` (see libs/cluster, itemFanOut).
 *
 * What stays with the stage: which items are finished (its checkpoint), their order, retries of the
 * item as a whole. What the job is: one self-contained attempt whose result the stage persists.
 */
import { Context, Effect, Option, type Schema } from "effect"
import type { PermanentError, TransientError } from "./errors.js"

export type ItemError = TransientError | PermanentError

export interface ItemLimit {
  /** what the limit counts: e.g. an endpoint's base URL; jobs naming the same resource share it */
  readonly resource: string
  /** at most this many jobs of the resource run at once, over the whole cluster */
  readonly concurrency: number
  /** at most this many start per minute, over the whole cluster (0 = unlimited) */
  readonly perMinute: number
}

export type ItemPlacement = "anywhere" | "same-host" | "here"

export interface ItemJob<I, O> {
  /** unique over the code base; a runner finds the job by this name */
  readonly name: string
  readonly input: Schema.Schema<I, any>
  readonly output: Schema.Schema<O, any>
  /** the shared limit the job runs under, if any */
  readonly limit?: (input: I) => ItemLimit
  /**
   * Where the item may run: `anywhere`; `same-host` (e.g. it calls an endpoint on this machine's
   * loopback, which another machine cannot reach); `here` (its input may not leave this process, e.g.
   * record-derived text).
   */
  readonly placement: (input: I) => ItemPlacement
  readonly run: (input: I) => Effect.Effect<O, ItemError>
}

/**
 * Define a job and register it under its name. Define it at the top level of a module that the
 * stage's plugin imports when its workflow loads, so that every runner knows it.
 */
export const make = <I, O>(job: ItemJob<I, O>): ItemJob<I, O> => {
  registry.set(job.name, job as ItemJob<any, any>)
  return job
}

/** The job registered under `name`, if this process has loaded it. */
export const lookup = (name: string): ItemJob<unknown, unknown> | undefined => registry.get(name)

/** Runs jobs somewhere else (provided by a cluster runner to the stages it executes). */
export class ItemRunner extends Context.Tag("@zaoji/core/ItemRunner")<
  ItemRunner,
  { readonly run: <I, O>(job: ItemJob<I, O>, input: I) => Effect.Effect<O, ItemError> }
>() {}

/**
 * Run one item: through the `ItemRunner` when one is provided and the input may leave this machine,
 * else here. `local` is what a direct call does (it may hold state of the caller, such as a rate
 * limiter), so the path on one machine stays exactly what it was.
 */
export const runItem = <I, O>(job: ItemJob<I, O>, input: I, local: Effect.Effect<O, ItemError>): Effect.Effect<O, ItemError> =>
  Effect.flatMap(Effect.serviceOption(ItemRunner), (runner) =>
    Option.isSome(runner) && job.placement(input) !== "here" ? runner.value.run(job, input) : local
  )

// internal

/**
 * One registry per process, even when two copies of this module are loaded (a bundled CLI and a
 * workflow's plugins importing the sources): a job defined through either is found through either.
 */
const registry: Map<string, ItemJob<any, any>> = ((globalThis as Record<symbol, unknown>)[Symbol.for("@zaoji/core/ItemJob.registry")] ??= new Map()) as Map<
  string,
  ItemJob<any, any>
>
