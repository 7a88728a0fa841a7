import { Effect, Schema } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { artifactOf, makeTestStageContext, runStageOnce, Stage, TransientError } from "../src/index.js"

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "zaoji-core-"))

const double = Stage.make({
  name: "test.double",
  version: "1",
  config: Schema.Struct({ factor: Schema.Number, apiKey: Schema.optional(Schema.String) }),
  output: Schema.Struct({ values: Schema.Array(Schema.Number), file: Schema.String }),
  inputs: Stage.inputs<{ src: { values: ReadonlyArray<number> } }>("src"),
  run: ({ config, inputs, ctx }) =>
    Effect.gen(function* () {
      const values = inputs.src.value.values.map((v) => v * config.factor)
      fs.writeFileSync(path.join(ctx.outDir, "values.json"), JSON.stringify(values))
      yield* ctx.progress.report(values.length, values.length, "items")
      yield* ctx.metric("count", values.length)
      yield* ctx.log("info", "doubled", { apiKey: config.apiKey, n: values.length })
      return { values, file: "values.json" }
    })
})

describe("makeTestStageContext / runStageOnce", () => {
  it("runs a stage with a decoded config and records metrics, progress and redacted logs", async () => {
    const dir = tmp()
    const res = await Effect.runPromise(
      runStageOnce(double, { factor: 3, apiKey: "sk-abc" }, { src: artifactOf({ values: [1, 2] }, dir) }, dir)
    )
    expect(res.value.values).toEqual([3, 6])
    expect(JSON.parse(fs.readFileSync(path.join(res.dir, res.value.file), "utf8"))).toEqual([3, 6])
    expect(res.ctx.metrics).toEqual({ count: 2 })
    expect(res.ctx.progressEvents).toEqual([{ done: 2, total: 2, unit: "items", extra: undefined }])
    expect(res.ctx.logs[0].fields).toEqual({ apiKey: "[redacted]", n: 2 })
  })

  it("rejects a bad config with every field named", async () => {
    const dir = tmp()
    const exit = await Effect.runPromiseExit(
      runStageOnce(double, { factor: "x", extra: 1 } as never, { src: artifactOf({ values: [] }, dir) }, dir)
    )
    expect(exit._tag).toBe("Failure")
    const msg = JSON.stringify(exit)
    expect(msg).toContain("test.factor")
    expect(msg).toContain("test.extra: unknown field")
  })

  it("checkpoint items and state survive a new context over the same folder", async () => {
    const dir = tmp()
    const a = makeTestStageContext(dir)
    await Effect.runPromise(a.checkpoint.putItem("q1", { answer: 1 }))
    await Effect.runPromise(a.checkpoint.putItem("q/2", "two"))
    await Effect.runPromise(a.checkpoint.saveState({ step: 5 }, { w: new Uint8Array([1, 2, 3]) }))
    await Effect.runPromise(a.checkpoint.saveState({ step: 7 }, { w: new Uint8Array([4]) }))
    const b = makeTestStageContext(dir)
    const items = await Effect.runPromise(b.checkpoint.items())
    expect([...items.entries()].sort()).toEqual([["q/2", "two"], ["q1", { answer: 1 }]])
    expect(await Effect.runPromise(b.checkpoint.getItem("q1"))).toEqual({ answer: 1 })
    expect(await Effect.runPromise(b.checkpoint.getItem("nope"))).toBeUndefined()
    const st = await Effect.runPromise(b.checkpoint.loadState())
    expect(st?.meta).toEqual({ step: 7 })
    expect([...st!.blobs.w]).toEqual([4])
  })

  it("allows loopback endpoints and only explicitly allowed remote ones", () => {
    const ctx = makeTestStageContext(tmp(), { allowedEndpoints: ["https://llm.example.org/v1"] })
    expect(ctx.allowEndpoint("http://127.0.0.1:8080/v1")).toBe(true)
    expect(ctx.allowEndpoint("http://localhost:1/v1")).toBe(true)
    expect(ctx.allowEndpoint("https://llm.example.org/v1/chat")).toBe(true)
    expect(ctx.allowEndpoint("https://llm.example.org.evil.net/v1")).toBe(false)
    expect(ctx.allowEndpoint("https://other.example.com/v1")).toBe(false)
  })

  it("TransientError carries Retry-After", () => {
    expect(new TransientError({ message: "429", retryAfterMs: 1500 }).retryAfterMs).toBe(1500)
  })
})
