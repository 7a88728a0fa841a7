import { Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import { modelArgument, resolveModelArg } from "../modelArg.js"
import { applyBackendOption, backendOption, storeOption, workflowOption } from "../storeOption.js"
import { UsageError } from "../usage.js"

export default Command.make(
  "chat",
  {
    model: modelArgument,
    store: storeOption,
    workflow: workflowOption,
    backend: backendOption,
    temperature: Options.float("temperature").pipe(Options.withDescription("0 = greedy (default 0.8)"), Options.optional),
    topP: Options.float("top-p").pipe(Options.optional),
    maxNewTokens: Options.integer("max-new-tokens").pipe(Options.optional),
    system: Options.text("system").pipe(Options.withDescription("a system message (glm3 format)"), Options.optional)
  },
  (a) =>
    Effect.gen(function* () {
      yield* applyBackendOption(a.backend)
      const dir = yield* resolveModelArg(a.model, a.store, a.workflow)
      // lazy: loading tfjs is only worth it for commands that run a model
      const { openChatEngine, runChatRepl } = yield* Effect.promise(() => import("@zaoji/glm-runtime"))
      yield* Effect.acquireUseRelease(
        Effect.tryPromise({ try: () => openChatEngine(dir), catch: (e) => new UsageError({ message: e instanceof Error ? e.message : String(e) }) }),
        ({ engine }) =>
          Effect.promise(() =>
            runChatRepl({
              engine,
              system: Option.getOrUndefined(a.system),
              sampling: {
                temperature: Option.getOrUndefined(a.temperature),
                topP: Option.getOrUndefined(a.topP),
                maxTokens: Option.getOrUndefined(a.maxNewTokens)
              }
            })
          ),
        ({ dispose }) => Effect.sync(dispose)
      )
    })
).pipe(Command.withDescription("chat with a model in the terminal (/reset, /history, /exit)"))
