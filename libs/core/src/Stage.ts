/**
 * The contract between plugins and the engine.
 *
 * A plugin defines a stage once with `Stage.make`: a name, a version, a Schema for its config, the
 * *types* of its inputs (the output types of upstream stages) and a Schema for its output value.
 * The output value is the JSON-serialisable description a stage returns (metrics, counts, file
 * names relative to its artifact folder); the files themselves are written into `ctx.outDir`.
 * Downstream stages receive `Artifact<O>`: the decoded value plus the absolute folder it lives in.
 */
import { Effect, type Schema } from "effect"
import type { StageContext } from "./StageContext.js"
import type { InputError, StageFailure } from "./errors.js"

/** A finished (or cached) stage output handed to downstream stages. */
export interface Artifact<O> {
  /** content-addressed cache key of the stage that produced it */
  readonly key: string
  /** absolute folder holding the artifact's files */
  readonly dir: string
  /** the decoded output value (file references inside are relative to `dir`) */
  readonly value: O
}

/** Retry policy knobs a stage declares and a workflow may override. */
export interface RetryPolicy {
  readonly maxAttempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
}

export interface StageDef<
  Name extends string,
  Config,
  ConfigEncoded,
  Inputs extends Record<string, unknown>,
  Output,
  OutputEncoded = Output,
  R = never
> {
  readonly _tag: "StageDef"
  /** plugin-qualified name, e.g. "ptuning-v2.train" */
  readonly name: Name
  /** bump whenever the stage's behaviour changes: part of the cache key */
  readonly version: string
  readonly config: Schema.Schema<Config, ConfigEncoded>
  readonly output: Schema.Schema<Output, OutputEncoded>
  /** names of the inputs (type-level only otherwise); used to validate wiring at run time */
  readonly inputNames: ReadonlyArray<keyof Inputs & string>
  /** inputs that may be left unwired */
  readonly optionalInputs?: ReadonlyArray<keyof Inputs & string>
  /** compute-heavy stages take the device semaphore */
  readonly compute?: boolean
  readonly retry?: Partial<RetryPolicy>
  /** paths in the (decoded) config that name input files: hashed into the key, checked before run */
  readonly files?: (config: Config) => ReadonlyArray<string>
  /**
   * Validate the stage's own input files before the workflow starts (only when the stage is going
   * to run), so that a malformed file read by a late stage fails the run at once instead of after
   * hours of earlier stages. Keep it to reading and decoding: no heavy work, no side effects.
   */
  readonly check?: (args: { readonly config: Config; readonly baseDir: string }) => Effect.Effect<void, InputError>
  /**
   * Rules that tie the config to which (optional) inputs are wired — "a set comes from a file or
   * from an input, not both". Checked with the config decoding, before anything runs or any file is
   * read; each problem names its config field (or `inputs`). Rules on the config alone belong in its
   * Schema (`Schema.filter`).
   */
  readonly checkWiring?: (args: { readonly config: Config; readonly wired: ReadonlyArray<keyof Inputs & string> }) => ReadonlyArray<WiringIssue>
  /**
   * Config fields naming a finished artifact this stage builds on, as a stage id of the workflow
   * or a store key (e.g. `continueFrom`), each with what that artifact must be. The engine resolves
   * them before anything runs and hands each artifact to `run` as the input of the same name, so
   * its key joins the cache key and the manifest's inputs (see artifactRefs.ts).
   */
  readonly artifactRefs?: Readonly<Partial<Record<keyof Inputs & string, ArtifactRefRule>>>
  readonly run: (args: RunArgs<Config, Inputs>) => Effect.Effect<Output, StageFailure, R>
}

/** What a stage's `run` is given: its decoded config, its input artifacts and its context. */
export interface RunArgs<Config, Inputs> {
  readonly config: Config
  readonly inputs: { readonly [K in keyof Inputs]: Artifact<Inputs[K]> }
  readonly ctx: StageContext
}

/** What an artifact named by a reference field must be, besides an artifact of the same stage type. */
export interface ArtifactRefRule {
  /** inputs it must have been built from too, e.g. the same base model */
  readonly sameInputs: ReadonlyArray<string>
  /** files its folder must hold, e.g. a saved training state */
  readonly files: ReadonlyArray<string>
  /** what to say when such a file is missing */
  readonly missingFiles?: string
}

/** A config field (dotted path, or `inputs`) and what is wrong with it given the wiring. */
export interface WiringIssue {
  readonly field: string
  readonly message: string
}

export type AnyStageDef = StageDef<string, any, any, any, any, any, any>

/** Type helpers for wiring. */
export type ConfigOf<S> = S extends StageDef<any, any, infer CE, any, any, any, any> ? CE : never
export type InputsOf<S> = S extends StageDef<any, any, any, infer I, any, any, any> ? I : never
export type OutputOf<S> = S extends StageDef<any, any, any, any, infer O, any, any> ? O : never

/**
 * Define a stage. `Inputs` is given as a type argument through `inputs<...>()`:
 *
 *   Stage.make({ name: "kg.generate-qa", version: "1", config: Cfg, output: Out,
 *                inputs: Stage.inputs<{ kg: KgOutput }>("kg"), run: ... })
 */
export const make = <
  Name extends string,
  Config,
  ConfigEncoded,
  Inputs extends Record<string, unknown>,
  Output,
  OutputEncoded,
  R
>(def: {
  readonly name: Name
  readonly version: string
  readonly config: Schema.Schema<Config, ConfigEncoded>
  readonly output: Schema.Schema<Output, OutputEncoded>
  readonly inputs: InputSpec<Inputs>
  readonly compute?: boolean
  readonly retry?: Partial<RetryPolicy>
  readonly files?: (config: Config) => ReadonlyArray<string>
  readonly check?: StageDef<Name, Config, ConfigEncoded, Inputs, Output, OutputEncoded, R>["check"]
  readonly checkWiring?: StageDef<Name, Config, ConfigEncoded, Inputs, Output, OutputEncoded, R>["checkWiring"]
  readonly artifactRefs?: StageDef<Name, Config, ConfigEncoded, Inputs, Output, OutputEncoded, R>["artifactRefs"]
  readonly run: StageDef<Name, Config, ConfigEncoded, Inputs, Output, OutputEncoded, R>["run"]
}): StageDef<Name, Config, ConfigEncoded, Inputs, Output, OutputEncoded, R> => ({
  _tag: "StageDef",
  name: def.name,
  version: def.version,
  config: def.config,
  output: def.output,
  inputNames: def.inputs.names,
  optionalInputs: def.inputs.optional,
  compute: def.compute,
  retry: def.retry,
  files: def.files,
  check: def.check,
  checkWiring: def.checkWiring,
  artifactRefs: def.artifactRefs,
  run: def.run
})

/**
 * A `run` kept in a module of its own and imported only when the stage runs:
 * `run: Stage.lazyRun(() => import("./trainRun.js"))`, that module exporting `run`. The stage's
 * definition (name, version, config, wiring: what a workflow imports and what planning reads) then
 * loads nothing the run needs (tfjs, a model, an LLM client), so loading and planning a workflow
 * stay fast.
 */
export const lazyRun =
  <Args, Output, E, R>(load: () => Promise<{ readonly run: (args: Args) => Effect.Effect<Output, E, R> }>) =>
  (args: Args): Effect.Effect<Output, E, R> =>
    Effect.flatMap(Effect.promise(load), (m) => m.run(args))

export interface InputSpec<Inputs extends Record<string, unknown>> {
  readonly names: ReadonlyArray<keyof Inputs & string>
  readonly optional: ReadonlyArray<keyof Inputs & string>
  /** phantom */
  readonly _inputs?: Inputs
}

/** Declare a stage's input types; list the names so the engine can check wiring at run time. */
export const inputs = <Inputs extends Record<string, unknown> = {}>(
  ...names: ReadonlyArray<keyof Inputs & string>
): InputSpec<Inputs> => ({ names, optional: [] })

/** Same as `inputs`, with some inputs optional (their type should include `undefined`). */
export const inputsWithOptional = <Inputs extends Record<string, unknown>>(
  names: ReadonlyArray<keyof Inputs & string>,
  optional: ReadonlyArray<keyof Inputs & string>
): InputSpec<Inputs> => ({ names, optional })
