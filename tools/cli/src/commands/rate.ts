import { Args, Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"

export default Command.make(
  "rate",
  {
    kit: Args.directory({ name: "KIT_DIR", exists: "yes" }),
    port: Options.integer("port").pipe(Options.withDescription("port on 127.0.0.1 (default: a free one)"), Options.optional),
    rater: Options.text("rater").pipe(Options.withDescription("rater name (default: asked in the page)"), Options.optional),
    db: Options.file("db").pipe(Options.withDescription("ratings database (default: KIT_DIR/ratings.sqlite)"), Options.optional),
    chat: Options.text("chat").pipe(Options.withDescription("name=MODEL_DIR to chat with live in the page"), Options.repeated)
  },
  (a) =>
    Effect.gen(function* () {
      // lazy: the metrics plugin pulls in tfjs, which `zaoji plan` should not pay for
      const { serveKit, parseChatModelArg } = yield* Effect.promise(() => import("@zaoji/metrics"))
      return yield* serveKit({
        kitDir: a.kit,
        port: Option.getOrUndefined(a.port),
        rater: Option.getOrUndefined(a.rater),
        dbPath: Option.getOrUndefined(a.db),
        chatModels: Object.fromEntries(a.chat.map(parseChatModelArg))
      })
    })
).pipe(Command.withDescription("serve a blind kit's rating page on 127.0.0.1; ratings are saved as they are entered"))
