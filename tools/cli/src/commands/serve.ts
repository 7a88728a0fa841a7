import * as fs from "node:fs"
import * as path from "node:path"
import { Command, Options } from "@effect/cli"
import { Console, Effect, Option, Redacted } from "effect"
import { modelArgument, resolveModelArg } from "../modelArg.js"
import { applyBackendOption, backendOption, storeOption, workflowOption } from "../storeOption.js"
import { UsageError } from "../usage.js"

/**
 * The model id clients send and `/v1/models` lists: the stage id when the folder is a stage's
 * artifact (its model sits in a subfolder named `model`, which says nothing), else the folder name.
 */
export const servedModelName = (modelDir: string): string => {
  const manifestFile = path.join(path.dirname(modelDir), "manifest.json")
  try {
    const m = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as { stage?: { id?: unknown } | unknown; output?: { model?: unknown } }
    if (m.output?.model === path.basename(modelDir)) {
      const id = typeof m.stage === "string" ? m.stage : (m.stage as { id?: unknown } | undefined)?.id
      if (typeof id === "string" && id !== "") return id
    }
  } catch {
    // no manifest beside it (or not one of ours): a plain model folder
  }
  return path.basename(modelDir)
}

export default Command.make(
  "serve",
  {
    model: modelArgument,
    store: storeOption,
    workflow: workflowOption,
    backend: backendOption,
    port: Options.integer("port").pipe(Options.withDefault(8000), Options.withDescription("0 picks a free port")),
    host: Options.text("host").pipe(
      Options.withDefault("127.0.0.1"),
      Options.withDescription("bind address (loopback by default; any other address needs --api-key)")
    ),
    apiKey: Options.redacted("api-key").pipe(
      Options.withDescription("require `Authorization: Bearer KEY` (default: env ZAOJI_API_KEY, else no key)"),
      Options.optional
    ),
    name: Options.text("model-name").pipe(
      Options.withAlias("model-id"),
      Options.withDescription("model id clients send and /v1/models lists (default: the stage id, else the folder name)"),
      Options.optional
    )
  },
  (a) =>
    Effect.gen(function* () {
      const apiKey = Option.isSome(a.apiKey) ? Redacted.value(a.apiKey.value) : process.env.ZAOJI_API_KEY
      const { bindRefusal, openChatEngine, serverResource } = yield* Effect.promise(() => import("@zaoji/glm-runtime"))
      // refused before the model is loaded: that can take minutes for a real checkpoint
      const refusal = bindRefusal(a.host, apiKey)
      if (refusal !== undefined) return yield* Effect.fail(new UsageError({ message: refusal }))
      yield* applyBackendOption(a.backend)
      const dir = yield* resolveModelArg(a.model, a.store, a.workflow)
      const modelId = Option.getOrElse(a.name, () => servedModelName(dir))
      yield* Effect.scoped(
        Effect.gen(function* () {
          const { engine } = yield* Effect.acquireRelease(
            Effect.tryPromise({
              try: () => openChatEngine(dir, { modelId }),
              catch: (e) => new UsageError({ message: e instanceof Error ? e.message : String(e) })
            }),
            (opened) => Effect.sync(opened.dispose)
          )
          const server = yield* serverResource({ engine, host: a.host, port: a.port, apiKey, log: (line) => console.error(line) })
          yield* Console.error(`serving "${engine.modelId}" at ${server.url}/v1 (OpenAI-compatible; Ctrl-C stops)`)
          return yield* Effect.never
        })
      )
    })
).pipe(Command.withDescription("serve a model over an OpenAI-compatible HTTP API (/v1/models, /v1/chat/completions)"))
