import { Command, Options } from "@effect/cli"
import { lazyHandler } from "../lazy.js"
import { backendOption, modelArgument, storeOption, workflowOption } from "../options.js"

const config = {
  model: modelArgument,
  store: storeOption,
  workflow: workflowOption,
  backend: backendOption,
  temperature: Options.float("temperature").pipe(Options.withDescription("0 = greedy (default 0.8)"), Options.optional),
  topP: Options.float("top-p").pipe(Options.optional),
  maxNewTokens: Options.integer("max-new-tokens").pipe(Options.optional),
  system: Options.text("system").pipe(Options.withDescription("a system message (glm3 format)"), Options.optional)
}

export type ChatArgs = Command.Command.ParseConfig<typeof config>

export default Command.make("chat", config, lazyHandler(() => import("../handlers/chat.js"))).pipe(Command.withDescription("chat with a model in the terminal (/reset, /history, /exit)"))
