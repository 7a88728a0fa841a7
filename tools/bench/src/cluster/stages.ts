/** Stages of the cluster benchmark: a seed that fixes the keys of a measurement, no-op stages and CPU-bound ones. */
import { Stage } from "@zaoji/core"
import { Effect, Schema } from "effect"
import { LlmEndpoint, makeLlmClient } from "@zaoji/llm"
import { createHash } from "node:crypto"

const Out = Schema.Struct({ value: Schema.String })

/** Its `salt` changes every key downstream, so each measurement runs every stage afresh. */
export const seed = Stage.make({
  name: "bench.seed",
  version: "1",
  config: Schema.Struct({ salt: Schema.String }),
  output: Out,
  inputs: Stage.inputs(),
  run: ({ config }) => Effect.succeed({ value: config.salt })
})

export const noop = Stage.make({
  name: "bench.noop",
  version: "1",
  config: Schema.Struct({ i: Schema.Int }),
  output: Out,
  inputs: Stage.inputs<{ seed: typeof Out.Type }>("seed"),
  run: ({ config, inputs }) => Effect.succeed({ value: `${inputs.seed.value}-${config.i}` })
})

/** `rounds` chained sha256 of 64 KiB: pure CPU on the stage's own thread. */
export const cpu = Stage.make({
  name: "bench.cpu",
  version: "1",
  config: Schema.Struct({ i: Schema.Int, rounds: Schema.Int }),
  output: Out,
  inputs: Stage.inputs<{ seed: typeof Out.Type }>("seed"),
  run: ({ config, inputs }) =>
    Effect.sync(() => {
      let block = Buffer.alloc(64 * 1024, `${inputs.seed.value}-${config.i}`)
      let digest = ""
      for (let r = 0; r < config.rounds; r++) {
        digest = createHash("sha256").update(block).digest("hex")
        block.write(digest, 0)
      }
      return { value: digest }
    })
})

/**
 * `items` chat requests through @zaoji/llm's client (so on a runner they fan out over the cluster),
 * each finished one persisted in the checkpoint, `concurrency` at once: the shape of the LLM stages.
 */
export const ask = Stage.make({
  name: "bench.ask",
  version: "1",
  config: Schema.Struct({ baseURL: Schema.String, items: Schema.Int, concurrency: Schema.Int }),
  output: Out,
  inputs: Stage.inputs<{ seed: typeof Out.Type }>("seed"),
  run: ({ config, inputs, ctx }) =>
    Effect.gen(function* () {
      const client = yield* makeLlmClient(Schema.decodeSync(LlmEndpoint)({ baseURL: config.baseURL, model: "bench", concurrency: config.concurrency }), {
        sensitive: false,
        ctx
      })
      const answers = yield* Effect.forEach(
        Array.from({ length: config.items }, (_, i) => `${inputs.seed.value} item ${i}`),
        (q) =>
          Effect.gen(function* () {
            const hit = (yield* ctx.checkpoint.getItem(q)) as string | undefined
            if (hit !== undefined) return hit
            const r = yield* client.chat([{ role: "user", content: q }], (c) => c)
            yield* ctx.checkpoint.putItem(q, r.value)
            return r.value
          }),
        { concurrency: client.concurrency }
      )
      return { value: createHash("sha256").update(answers.join("\n")).digest("hex") }
    })
})
