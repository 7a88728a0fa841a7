import { Command, Options } from "@effect/cli"
import { lazyHandler } from "../lazy.js"
import { backendOption, modelArgument, storeOption, workflowOption } from "../options.js"

const config = {
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
}

export type ServeArgs = Command.Command.ParseConfig<typeof config>

export default Command.make("serve", config, lazyHandler(() => import("../handlers/serve.js"))).pipe(Command.withDescription("serve a model over an OpenAI-compatible HTTP API (/v1/models, /v1/chat/completions)"))
