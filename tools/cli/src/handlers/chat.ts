import { Effect, Option } from "effect"
import { resolveModelArg } from "../modelArg.js"
import { applyBackendOption } from "../storeOption.js"
import { UsageError } from "../usage.js"
import type { ChatArgs } from "../commands/chat.js"

export default (a: ChatArgs) =>
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
