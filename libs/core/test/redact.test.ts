import { describe, expect, it } from "vitest"
import { isSecretField, redact, redactArgv } from "../src/index.js"

describe("redact", () => {
  it("recognises credential field names but not counts of tokens or cache keys lists", () => {
    for (const f of ["apiKey", "api_key", "key", "token", "accessToken", "client_secret", "password", "OPENAI_API_KEY"]) expect(isSecretField(f), f).toBe(true)
    for (const f of ["maxTokens", "max_new_tokens", "keys", "monkey_count", "tokenizer", "text"]) expect(isSecretField(f), f).toBe(false)
  })

  it("redacts nested fields and env secret values inside strings", () => {
    const out = redact({ llm: { apiKey: "abc", url: "http://x/?k=sk-live-1" }, list: [{ password: "p" }], n: 3 }, ["sk-live-1"])
    expect(out).toEqual({ llm: { apiKey: "[redacted]", url: "http://x/?k=[redacted]" }, list: [{ password: "[redacted]" }], n: 3 })
  })

  it("masks secret --set values in a recorded command line", () => {
    expect(redactArgv(["run", "wf.ts", "--set", "qa.apiKey=sk-1", "--set", "qa.perEntity=4", "--set=qa.llm.token=t"])).toEqual([
      "run", "wf.ts", "--set", "qa.apiKey=[redacted]", "--set", "qa.perEntity=4", "--set=qa.llm.token=[redacted]"
    ])
  })
})
