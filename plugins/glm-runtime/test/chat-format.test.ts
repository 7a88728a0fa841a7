import { describe, expect, it } from "vitest"
import { ChatInputError, messagesToTurns, processResponse, promptText, ResponseStreamer } from "../src/index.js"

describe("chat prompt formats", () => {
  it("glm1: the bare query first, then [Round i] from 0 with single line breaks (final ChatGLM-6B)", () => {
    expect(promptText("glm1", [], "你好")).toBe("你好")
    expect(promptText("glm1", [{ query: "a", response: "b" }], "c")).toBe("[Round 0]\n问：a\n答：b\n[Round 1]\n问：c\n答：")
  })

  it("glm2: [Round i] from 1 with double line breaks, even without history", () => {
    expect(promptText("glm2", [], "你好")).toBe("[Round 1]\n\n问：你好\n\n答：")
    expect(promptText("glm2", [{ query: "a", response: "b" }], "c")).toBe("[Round 1]\n\n问：a\n\n答：b\n\n[Round 2]\n\n问：c\n\n答：")
  })

  it("folds system messages into the first question and pairs turns", () => {
    const t = messagesToTurns([
      { role: "system", content: "你是医生" },
      { role: "user", content: "q1" },
      { role: "assistant", content: "r1" },
      { role: "user", content: "q2" },
      { role: "user", content: "q2b" }
    ])
    expect(t).toEqual({ history: [{ query: "你是医生\nq1", response: "r1" }], query: "q2\nq2b" })
    expect(messagesToTurns([{ role: "system", content: "s" }, { role: "user", content: "q" }])).toEqual({ history: [], query: "s\nq" })
  })

  it("refuses conversations that do not end with the user", () => {
    expect(() => messagesToTurns([{ role: "user", content: "q" }, { role: "assistant", content: "r" }])).toThrow(ChatInputError)
    expect(() => messagesToTurns([{ role: "assistant", content: "r" }, { role: "user", content: "q" }])).toThrow(/messages\[0\]: expected a user message first/)
    expect(() => messagesToTurns([])).toThrow(ChatInputError)
  })
})

describe("response post-processing", () => {
  it("glm1 turns ASCII punctuation beside Chinese into full-width, as the official code does", () => {
    expect(processResponse("glm1", "  肝炎,需要治疗!请问:好吗?ok, fine  ")).toBe("肝炎，需要治疗！请问：好吗？ok, fine")
    expect(processResponse("glm2", "  肝炎,需要 [[训练时间]] ")).toBe("肝炎,需要 2023年")
  })

  it("glm3 drops the blank metadata line but keeps a tool name line", () => {
    expect(processResponse("glm3", "\n 你好 ")).toBe("你好")
    expect(processResponse("glm3", "search\n{\"q\":1}")).toBe("search\n{\"q\":1}")
  })

  it("streams deltas that always add up to the final text", () => {
    for (const [format, text] of [
      ["glm1", "  肝炎,需要治疗! ok, yes\n\n 肝?"],
      ["glm3", "\n 答案:\ufffd 肝,胆 "],
      ["glm2", "abc \ufffd"]
    ] as const) {
      const s = new ResponseStreamer(format)
      let out = ""
      const chars = Array.from(text)
      for (let i = 1; i <= chars.length; i++) out += s.push(chars.slice(0, i).join(""))
      out += s.finish(text)
      expect(out).toBe(processResponse(format, text))
    }
  })

  it("holds back a trailing incomplete UTF-8 character", () => {
    const s = new ResponseStreamer("glm2")
    expect(s.push("ab\ufffd")).toBe("a")
    expect(s.push("ab肝c")).toBe("b肝")
    expect(s.finish("ab肝cd")).toBe("cd")
  })
})
