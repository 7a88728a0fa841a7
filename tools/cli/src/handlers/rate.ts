import { Effect, Option } from "effect"
import type { RateArgs } from "../commands/rate.js"

export default (a: RateArgs) =>
  Effect.gen(function* () {
    // lazy: the metrics plugin pulls in tfjs, which `zaoji plan` should not pay for
    const { serveKit, parseChatModelArg } = yield* Effect.promise(() => import("@zaoji/metrics/kit"))
    return yield* serveKit({
      kitDir: a.kit,
      port: Option.getOrUndefined(a.port),
      rater: Option.getOrUndefined(a.rater),
      dbPath: Option.getOrUndefined(a.db),
      chatModels: Object.fromEntries(a.chat.map(parseChatModelArg))
    })
  })
