import * as tf from "@tensorflow/tfjs"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Deferred, Effect, Either, Fiber } from "effect"
import { InputError } from "@zaoji/core"
import { humanReport, parseChatModelArg, serveKit } from "../src/human/serveKit.js"
import { openRatingsStore, kitFingerprint } from "../src/human/ratingsStore.js"
import type { RatingServer } from "../src/human/ratingServer.js"
import { glmResponder } from "../src/human/glmResponder.js"
import { makeFixtureKit, type Fixture } from "./human-fixture.js"
import { saveTinyModelFolder, tinyModel, tinyTokenizer } from "./human-tinyModel.js"

describe("serving a kit and writing the report (what the CLI runs)", () => {
  let fx: Fixture
  let modelDir: string
  beforeAll(() => {
    fx = makeFixtureKit()
    modelDir = join(mkdtempSync(join(tmpdir(), "zaoji-chatmodel-")), "medglm")
    saveTinyModelFolder(modelDir, tinyTokenizer(), 5)
  })
  afterAll(() => {
    rmSync(fx.root, { recursive: true, force: true })
    rmSync(join(modelDir, ".."), { recursive: true, force: true })
  })

  it("serves the kit with a live model until interrupted, then releases the model and the database", async () => {
    const before = tf.memory().numTensors
    const ready = await Effect.runPromise(Deferred.make<RatingServer>())
    const fiber = Effect.runFork(
      serveKit({ kitDir: fx.kitDir, rater: "wang", chatModels: Object.fromEntries([parseChatModelArg(`medglm=${modelDir}`)]), maxNewTokens: 6, onReady: (s) => Effect.runSync(Deferred.succeed(ready, s)) })
    )
    const server = await Effect.runPromise(Deferred.await(ready))
    const page = await (await fetch(server.url)).text()
    expect(page).toContain('"rater":"wang"')
    const token = /"token":"([0-9a-f]+)"/.exec(page)![1]!
    const post = (path: string, body: unknown) =>
      fetch(new URL(path, server.url), { method: "POST", headers: { "content-type": "application/json", "x-zaoji-token": token }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<any>)
    const { id } = await post("/api/live/start", { rater: "wang" })
    const said = await post("/api/live/say", { rater: "wang", dialogueId: id, message: "胆囊结石有什么症状？" })

    // the reply is the model's own greedy reply to that message
    const tokenizer = tinyTokenizer()
    const model = tinyModel(tokenizer, 5)
    const direct = await glmResponder(model, tokenizer, { maxNewTokens: 6 })([[{ role: "user", content: "胆囊结石有什么症状？" }]])
    model.dispose()
    expect(said.reply).toBe(direct[0])

    await Effect.runPromise(Fiber.interrupt(fiber))
    expect(tf.memory().numTensors).toBe(before)
    await expect(fetch(server.url)).rejects.toThrow()
    // the database was closed cleanly and holds the conversation
    const store = openRatingsStore(server.dbPath, kitFingerprint(readFileSync(join(fx.kitDir, "kit.json"), "utf8")), { readonly: true })
    expect(store.liveDialogues("wang")).toEqual([{ id, rater: "wang", model: "medglm", turns: [{ user: "胆囊结石有什么症状？", reply: direct[0] }] }])
    store.close()
  })

  it("names a model folder that cannot be loaded as a user error", async () => {
    const r = await Effect.runPromise(Effect.either(Effect.scoped(serveKit({ kitDir: fx.kitDir, chatModels: { x: join(fx.root, "missing") } }))))
    const e = (Either.getLeft(r) as any).value
    expect(e).toBeInstanceOf(InputError)
    expect(e.message).toMatch(/--chat x=.*missing: cannot load the model/)
  })

  it("writes the unblinded report beside the kit", async () => {
    const { report, files } = await Effect.runPromise(humanReport({ kitDir: fx.kitDir }))
    expect(files.json).toBe(join(fx.root, "human-eval.json"))
    expect(existsSync(files.markdown)).toBe(true)
    expect(report.dialogue.perModel.find((m) => m.model === "medglm")?.conversations).toBe(1)
    const missing = await Effect.runPromise(Effect.either(humanReport({ kitDir: join(fx.root, "nope") })))
    expect((Either.getLeft(missing) as any).value).toBeInstanceOf(InputError)
    expect(parseChatModelArg("/a/b/medglm-h")).toEqual(["medglm-h", "/a/b/medglm-h"])
  })
})
