import * as tf from "@tensorflow/tfjs"
import { PassThrough } from "node:stream"
import { describe, expect, it } from "vitest"
import { completeChat, runChatRepl } from "../src/index.js"
import { makeTinyChat } from "./serveFixtures.js"

describe("interactive chat loop", () => {
  it("streams replies, keeps history, and honours /reset, /history and /exit", async () => {
    const { engine, model } = await makeTinyChat("glm1")
    const before = tf.memory().numTensors
    const input = new PassThrough()
    const output = new PassThrough()
    let shown = ""
    output.on("data", (d: Buffer) => (shown += d.toString("utf8")))
    const done = runChatRepl({ engine, input, output, sampling: { maxTokens: 6 }, prompt: "> ", replyPrefix: "AI: " })
    input.write("肝硬化\n")
    input.write("胆囊\n")
    input.write("/history\n")
    input.write("/reset\n")
    input.write("B超\n")
    input.write("/exit\n")
    input.write("never read\n")
    const result = await done

    const r1 = await completeChat(engine, { messages: [{ role: "user", content: "肝硬化" }], maxTokens: 6 })
    const r2 = await completeChat(engine, {
      messages: [
        { role: "user", content: "肝硬化" },
        { role: "assistant", content: r1.text },
        { role: "user", content: "胆囊" }
      ],
      maxTokens: 6
    })
    const r3 = await completeChat(engine, { messages: [{ role: "user", content: "B超" }], maxTokens: 6 })
    expect(shown).toContain(`AI: ${r1.text}\n`)
    expect(shown).toContain(`AI: ${r2.text}\n`)
    expect(shown).toContain(`user: 胆囊\nassistant: ${r2.text}\n`)
    expect(shown).toContain("(history cleared)")
    expect(shown).toContain(`AI: ${r3.text}\n`)
    expect(result.turns).toBe(3)
    expect(result.history).toEqual([
      { role: "user", content: "B超" },
      { role: "assistant", content: r3.text }
    ])
    expect(tf.memory().numTensors).toBe(before)
    model.dispose()
  })
})
