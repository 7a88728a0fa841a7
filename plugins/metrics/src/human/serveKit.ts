/**
 * What `zaoji rate KIT_DIR` and `zaoji rate-report KIT_DIR` run, as Effects the CLI can wrap in
 * commands: serve the kit until interrupted (optionally with models to chat with live), and
 * unblind the ratings into JSON and Markdown files.
 */
import { basename, join, resolve } from "node:path"
import { Console, Effect } from "effect"
import { InputError, errorMessage } from "@zaoji/core"
import { loadModelFolder, loadTokenizer, type GlmModel } from "@zaoji/glm-runtime"
import { historyMessages } from "./dialogue.js"
import { glmResponder } from "./glmResponder.js"
import { ratingServer, type LiveChat, type RatingServer } from "./ratingServer.js"
import { unblindKit, type UnblindOptions } from "./unblind.js"
import { writeHumanReport } from "./humanReport.js"

export interface ServeKitOptions {
  readonly kitDir: string
  readonly port?: number
  readonly rater?: string
  readonly dbPath?: string
  /** model folders to chat with in the page's live tab: display name → folder */
  readonly chatModels?: Readonly<Record<string, string>>
  readonly maxNewTokens?: number
  /** called once the server listens (the CLI prints the URL; tests connect) */
  readonly onReady?: (server: RatingServer) => void
}

/** `name=folder` or a bare folder (named after its last path segment) */
export const parseChatModelArg = (arg: string): readonly [string, string] => {
  const eq = arg.indexOf("=")
  return eq > 0 ? [arg.slice(0, eq), arg.slice(eq + 1)] : [basename(resolve(arg)), arg]
}

const loadChatModel = (name: string, dir: string, maxNewTokens: number) =>
  Effect.acquireRelease(
    Effect.try({
      try: () => {
        const loaded = loadModelFolder(dir)
        let model: GlmModel | undefined = loaded.model
        try {
          if (loaded.tokenizerDir === undefined) throw new Error(`no tokenizer files in ${loaded.dir}`)
          const tokenizer = loadTokenizer(loaded.tokenizerDir)
          const respond = glmResponder(loaded.model, tokenizer, { maxNewTokens, batchSize: 1 })
          const chat: LiveChat = async (history, message) => (await respond([historyMessages(undefined, history, message)]))[0]!
          model = undefined
          return { chat, dispose: () => loaded.model.dispose() }
        } finally {
          model?.dispose()
        }
      },
      catch: (e) => new InputError({ message: `--chat ${name}=${dir}: cannot load the model (${errorMessage(e)})`, location: dir })
    }),
    (m) => Effect.sync(m.dispose)
  )

/** Serve the kit until the fiber is interrupted (Ctrl-C); the models and the database close then. */
export const serveKit = (options: ServeKitOptions): Effect.Effect<never, InputError> =>
  Effect.scoped(
    Effect.gen(function* () {
      const liveModels: Record<string, LiveChat> = {}
      for (const [name, dir] of Object.entries(options.chatModels ?? {})) {
        liveModels[name] = (yield* loadChatModel(name, dir, options.maxNewTokens ?? 256)).chat
      }
      const server = yield* ratingServer({
        kitDir: options.kitDir,
        port: options.port,
        rater: options.rater,
        dbPath: options.dbPath,
        liveModels: Object.keys(liveModels).length > 0 ? liveModels : undefined
      })
      options.onReady?.(server)
      yield* Console.log(`rating page: ${server.url}${options.rater === undefined ? "" : ` (rater ${options.rater})`}`)
      yield* Console.log(`ratings are saved as they are entered in ${server.dbPath}; press Ctrl-C to stop`)
      return yield* Effect.never
    })
  )

/** Unblind and aggregate; write human-eval.json and human-eval.md into `outDir` (default: beside the kit folder). */
export const humanReport = (options: UnblindOptions & { readonly outDir?: string }) =>
  Effect.try({
    try: () => {
      const report = unblindKit(options)
      const files = writeHumanReport(options.outDir ?? join(options.kitDir, ".."), report)
      return { report, files }
    },
    catch: (e) => (e instanceof InputError ? e : new InputError({ message: `cannot unblind ${options.kitDir}: ${errorMessage(e)}`, location: options.kitDir }))
  })
