import { Effect, Either, Schema } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { formatIssue, decodeConfig } from "./configDecode.js"
import { InputError, type StageFailure } from "./errors.js"
import type { Artifact, StageDef } from "./Stage.js"
import type { StageContext } from "./StageContext.js"
import type { OptionalKeys, RequiredKeys } from "./Workflow.js"
import { makeStageContext, type LogLevel } from "./makeStageContext.js"

export interface TestStageContextOptions {
  readonly stageId?: string
  readonly key?: string
  /** folder relative config paths resolve against (default: `dir`) */
  readonly baseDir?: string
  /** non-local endpoints record-derived text may be sent to */
  readonly allowedEndpoints?: ReadonlyArray<string>
  readonly signal?: AbortSignal
}

/** A real StageContext plus what the stage reported, for assertions in plugin tests. */
export interface TestStageContext extends StageContext {
  readonly metrics: Record<string, unknown>
  readonly logs: Array<{ level: LogLevel; message: string; fields?: Record<string, unknown> }>
  readonly progressEvents: Array<{ done: number; total: number; unit: string; extra?: Record<string, unknown> }>
}

/**
 * A StageContext over folders inside `dir`: `dir/out` (outDir) and `dir/checkpoint`. Creating a second
 * context over the same `dir` sees the first one's checkpoint, which is how resume is tested.
 */
export const makeTestStageContext = (dir: string, opts: TestStageContextOptions = {}): TestStageContext => {
  const outDir = path.join(dir, "out")
  const checkpointDir = path.join(dir, "checkpoint")
  fs.mkdirSync(outDir, { recursive: true })
  fs.mkdirSync(checkpointDir, { recursive: true })
  const metrics: Record<string, unknown> = {}
  const logs: TestStageContext["logs"] = []
  const progressEvents: TestStageContext["progressEvents"] = []
  const ctx = makeStageContext({
    stageId: opts.stageId ?? "test",
    key: opts.key ?? "test-key",
    outDir,
    baseDir: opts.baseDir ?? dir,
    checkpointDir,
    signal: opts.signal ?? new AbortController().signal,
    allowedEndpoints: opts.allowedEndpoints ?? [],
    onProgress: (done, total, unit, extra) => Effect.sync(() => void progressEvents.push({ done, total, unit, extra })),
    onLog: (level, message, fields) => Effect.sync(() => void logs.push({ level, message, fields })),
    onMetric: (name, value) =>
      Effect.sync(() => {
        metrics[name] = value
      })
  })
  return { ...ctx, metrics, logs, progressEvents }
}

/** Wrap a value as an upstream artifact living in `dir` (for feeding a stage under test). */
export const artifactOf = <O>(value: O, dir: string, key = "test-input"): Artifact<O> => ({ key, dir, value })

export interface RunOnceResult<O> extends Artifact<O> {
  readonly ctx: TestStageContext
}

/**
 * Run one stage outside a workflow: decode the (encoded) config and check it against the given inputs
 * (`checkWiring`) exactly as the engine does, run the stage in a test context under `dir`, and
 * round-trip the output through its Schema as the store would.
 */
export const runStageOnce = <Name extends string, C, CE, I extends Record<string, unknown>, O, OE, R>(
  def: StageDef<Name, C, CE, I, O, OE, R>,
  config: CE,
  /** optional inputs (their type admits `undefined`) may be left out, as in a workflow */
  inputs: { readonly [K in RequiredKeys<I>]: Artifact<I[K]> } & { readonly [K in OptionalKeys<I>]?: Artifact<Exclude<I[K], undefined>> },
  dir: string,
  opts: TestStageContextOptions = {}
): Effect.Effect<RunOnceResult<O>, StageFailure, R> =>
  Effect.gen(function* () {
    const decoded = decodeConfig(opts.stageId ?? "test", def.config, config)
    if (Either.isLeft(decoded)) {
      return yield* Effect.fail(new InputError({ message: decoded.left.map(formatIssue).join("\n") }))
    }
    const wired = Object.entries(inputs as Record<string, unknown>).filter(([, a]) => a !== undefined).map(([name]) => name)
    const wiring = def.checkWiring?.({ config: decoded.right, wired: wired as ReadonlyArray<keyof I & string> }) ?? []
    if (wiring.length > 0) {
      const stage = opts.stageId ?? "test"
      return yield* Effect.fail(new InputError({ message: wiring.map((w) => formatIssue({ stage, ...w })).join("\n") }))
    }
    const ctx = makeTestStageContext(dir, opts)
    const out = yield* def.run({ config: decoded.right, inputs: inputs as { readonly [K in keyof I]: Artifact<I[K]> }, ctx })
    const encoded = yield* Schema.encode(def.output)(out).pipe(
      Effect.mapError((e) => new InputError({ message: `stage ${def.name} returned an output its schema rejects: ${e.message}` })),
      Effect.orDie
    )
    const value = yield* Schema.decodeUnknown(def.output)(JSON.parse(JSON.stringify(encoded))).pipe(Effect.orDie)
    return { key: ctx.key, dir: ctx.outDir, value, ctx }
  })
