import * as tf from "@tensorflow/tfjs"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import OpenAI from "openai"
import { afterAll, describe, expect, it } from "vitest"
import {
  buildGenerationInput,
  completeChat,
  initWeights,
  openChatEngine,
  presetConfig,
  saveModelFolder,
  saveTokenizer,
  startServer,
  trainTokenizer
} from "../src/index.js"
import { corpus } from "./serveFixtures.js"

const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

describe("serving a model folder", () => {
  it("opens config + safetensors + tokenizer as one chat engine and serves it in the glm3 format", async () => {
    const dir = join(mkdtempSync(join(tmpdir(), "zaoji-serve-")), "medglm-micro")
    dirs.push(dir)
    const tokenizer = trainTokenizer(corpus, { vocabSize: 420, layout: "glm2", chatFormat: "glm3" })
    const config = presetConfig("micro", { arch: "glm2", tokenizer })
    const weights = initWeights(config, { seed: 3, std: 0.2 })
    saveModelFolder(dir, config, weights)
    Object.values(weights).forEach((t) => t.dispose())
    saveTokenizer(tokenizer, dir)

    const before = tf.memory().numTensors
    const { engine, dispose } = await openChatEngine(dir)
    expect(engine.modelId).toBe("medglm-micro")
    expect(engine.format).toBe("glm3")
    const server = await startServer({ engine, port: 0 })
    try {
      const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: "unused", maxRetries: 0 })
      const messages = [
        { role: "system" as const, content: "你是肝胆科医生。" },
        { role: "user" as const, content: "胆囊结石怎么办？" }
      ]
      const r = await client.chat.completions.create({ model: "medglm-micro", messages, max_tokens: 8 })
      const ids = buildGenerationInput(tokenizer, messages).ids
      // [gMASK] sop <|system|> … <|user|> … <|assistant|>
      expect(ids.slice(0, 3)).toEqual([tokenizer.special.gmask, tokenizer.special.sop, tokenizer.special.roles!.system])
      expect(ids[ids.length - 1]).toBe(tokenizer.special.roles!.assistant)
      expect(r.usage?.prompt_tokens).toBe(ids.length)
      const direct = await completeChat(engine, { messages, maxTokens: 8 })
      expect(r.choices[0].message.content).toBe(direct.text)
    } finally {
      await server.close()
      dispose()
    }
    expect(tf.memory().numTensors).toBe(before)
  })

  it("says which files are missing when a folder has no tokenizer", async () => {
    const dir = mkdtempSync(join(tmpdir(), "zaoji-serve-"))
    dirs.push(dir)
    const config = presetConfig("micro", { arch: "glm1" })
    const weights = initWeights(config, { seed: 1 })
    saveModelFolder(dir, config, weights)
    Object.values(weights).forEach((t) => t.dispose())
    const before = tf.memory().numTensors
    await expect(openChatEngine(dir)).rejects.toThrow(/no tokenizer: expected tokenizer\.json, ice_text\.model or tokenizer\.model/)
    expect(tf.memory().numTensors).toBe(before)
  })
})
