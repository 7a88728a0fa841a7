import * as fs from "node:fs"
import * as path from "node:path"
import { Console, Effect, Option, Redacted } from "effect"
import { resolveModelArg } from "../modelArg.js"
import { applyBackendOption } from "../storeOption.js"
import { UsageError } from "../usage.js"
import type { ServeArgs } from "../commands/serve.js"

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

export default (a: ServeArgs) =>
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
