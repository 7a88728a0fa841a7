import { Command, Options } from "@effect/cli"
import { Console, Effect, Option } from "effect"
import { modelArgument, resolveModelArg } from "../modelArg.js"
import { applyBackendOption, backendOption, storeOption, workflowOption } from "../storeOption.js"
import { UsageError } from "../usage.js"

export default Command.make(
  "serve",
  {
    model: modelArgument,
    store: storeOption,
    workflow: workflowOption,
    backend: backendOption,
    port: Options.integer("port").pipe(Options.withDefault(8000), Options.withDescription("0 picks a free port")),
    host: Options.text("host").pipe(Options.withDefault("127.0.0.1"), Options.withDescription("bind address (loopback by default)")),
    apiKey: Options.redacted("api-key").pipe(
      Options.withDescription("require `Authorization: Bearer KEY` (default: env ZAOJI_API_KEY, else no key)"),
      Options.optional
    ),
    name: Options.text("model-id").pipe(Options.withDescription("model id reported by /v1/models"), Options.optional)
  },
  (a) =>
    Effect.gen(function* () {
      yield* applyBackendOption(a.backend)
      const dir = yield* resolveModelArg(a.model, a.store, a.workflow)
      const { openChatEngine, serverResource } = yield* Effect.promise(() => import("@zaoji/glm-runtime"))
      const { Redacted } = yield* Effect.promise(() => import("effect"))
      const apiKey = Option.isSome(a.apiKey) ? Redacted.value(a.apiKey.value) : process.env.ZAOJI_API_KEY
      yield* Effect.scoped(
        Effect.gen(function* () {
          const { engine } = yield* Effect.acquireRelease(
            Effect.tryPromise({
              try: () => openChatEngine(dir, { modelId: Option.getOrUndefined(a.name) }),
              catch: (e) => new UsageError({ message: e instanceof Error ? e.message : String(e) })
            }),
            (opened) => Effect.sync(opened.dispose)
          )
          const server = yield* serverResource({ engine, host: a.host, port: a.port, apiKey, log: (line) => console.error(line) })
          yield* Console.error(`serving ${engine.modelId} at ${server.url}/v1 (OpenAI-compatible; Ctrl-C stops)`)
          return yield* Effect.never
        })
      )
    })
).pipe(Command.withDescription("serve a model over an OpenAI-compatible HTTP API (/v1/models, /v1/chat/completions)"))
