import * as tf from "@tensorflow/tfjs"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { buildGenerationInput, type GlmModel, type Tokenizer } from "@zaoji/glm-runtime"
import { glmResponder } from "../src/human/glmResponder.js"
import { runScriptedDialogues, type DialogueScript } from "../src/human/dialogue.js"
import { tinyModel, tinyTokenizer } from "./human-tinyModel.js"

const SCRIPTS: Array<DialogueScript> = [
  { id: "d1", system: undefined, turns: ["胆囊结石有什么症状？", "要戒酒吗？", "复查什么？"] },
  { id: "d2", system: "你是医生。", turns: ["急性胰腺炎怎么办？"] },
  { id: "d3", system: undefined, turns: ["你好", "肝功能检查包括什么？"] }
]

describe("scripted dialogues with a GLM (greedy)", () => {
  let tokenizer: Tokenizer
  let model: GlmModel
  beforeAll(() => {
    tokenizer = tinyTokenizer()
    model = tinyModel(tokenizer, 1)
  })
  afterAll(() => model?.dispose())

  it("answers each round with the history of its own conversation, reproducibly and without leaking tensors", async () => {
    const seen: Array<Array<string>> = []
    const respond = glmResponder(model, tokenizer, { maxNewTokens: 6, batchSize: 2 })
    const recording = async (conversations: ReadonlyArray<ReadonlyArray<{ role: string; content: string }>>) => {
      seen.push(conversations.map((c) => c.map((m) => `${m.role}:${m.content}`).join("|")))
      return respond(conversations as any)
    }
    const before = tf.memory().numTensors
    const first = await runScriptedDialogues(SCRIPTS, recording)
    const afterFirst = tf.memory().numTensors
    const second = await runScriptedDialogues(SCRIPTS, respond)
    expect(tf.memory().numTensors).toBe(afterFirst)
    expect(afterFirst).toBe(before)
    expect(second).toEqual(first)

    expect(first.map((c) => [c.scriptId, c.turns.length])).toEqual([["d1", 3], ["d2", 1], ["d3", 2]])
    // round 1 answers all three scripts in one call; round 3 only d1, carrying its two exchanges
    expect(seen.map((r) => r.length)).toEqual([3, 2, 1])
    const d1 = first[0]!.turns
    expect(seen[2]![0]).toBe(`user:${d1[0]!.user}|assistant:${d1[0]!.reply}|user:${d1[1]!.user}|assistant:${d1[1]!.reply}|user:复查什么？`)
    expect(seen[0]![1]).toBe("system:你是医生。|user:急性胰腺炎怎么办？")
    expect(first.flatMap((c) => c.turns).some((t) => t.reply.length > 0)).toBe(true)
  })

  it("gives each conversation the same reply in a batch as alone", async () => {
    const conversations = SCRIPTS.map((s) => [{ role: "user" as const, content: s.turns[0]! }])
    const batched = await glmResponder(model, tokenizer, { maxNewTokens: 8, batchSize: 8 })(conversations)
    const alone = await glmResponder(model, tokenizer, { maxNewTokens: 8, batchSize: 1 })(conversations)
    expect(batched).toEqual(alone)
    // and the prompt is the model's chat format
    expect(buildGenerationInput(tokenizer, conversations[0]!).text).toBe("[Round 1]\n\n问：胆囊结石有什么症状？\n\n答：")
  })
})
