import { Args, Command, Options } from "@effect/cli"
import { lazyHandler } from "../lazy.js"

const config = {
  kit: Args.directory({ name: "KIT_DIR", exists: "yes" }),
  port: Options.integer("port").pipe(Options.withDescription("port on 127.0.0.1 (default: a free one)"), Options.optional),
  rater: Options.text("rater").pipe(Options.withDescription("rater name (default: asked in the page)"), Options.optional),
  db: Options.file("db").pipe(Options.withDescription("ratings database (default: KIT_DIR/ratings.sqlite)"), Options.optional),
  chat: Options.text("chat").pipe(Options.withDescription("name=MODEL_DIR to chat with live in the page"), Options.repeated)
}

export type RateArgs = Command.Command.ParseConfig<typeof config>

export default Command.make("rate", config, lazyHandler(() => import("../handlers/rate.js"))).pipe(Command.withDescription("serve a blind kit's rating page on 127.0.0.1; ratings are saved as they are entered"))
