import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import OpenAI from "openai"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type LlmServer, repoRoot, startLlmServer } from "../src/index.js"

describe("local OpenAI-compatible server (in process)", () => {
  let server: LlmServer
  let client: OpenAI
  beforeAll(async () => {
    server = await startLlmServer({ apiKey: "sk-test" })
    client = new OpenAI({ baseURL: server.baseURL, apiKey: "sk-test", maxRetries: 0, timeout: 2000 })
  })
  afterAll(() => server.close())

  const ask = (content: string) => client.chat.completions.create({ model: "m", messages: [{ role: "user", content }] })

  it("answers through the handler with usage, and records the request", async () => {
    server.setHandler((req) => ({ content: `答:${req.messages[0]!.content}`, completionTokens: 7 }))
    const r = await ask("你好")
    expect(r.choices[0]!.message.content).toBe("答:你好")
    expect(r.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 7, total_tokens: 9 })
    const last = server.chatRequests().at(-1)!
    expect(last.authorization).toBe("Bearer sk-test")
    expect((last.body as { messages: Array<{ content: string }> }).messages[0]!.content).toBe("你好")
  })

  it("rejects a wrong key with 401", async () => {
    const bad = new OpenAI({ baseURL: server.baseURL, apiKey: "wrong", maxRetries: 0 })
    await expect(bad.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({ status: 401 })
  })

  it("fails the next requests as scripted: 429 with Retry-After, 500, malformed body", async () => {
    server.failNext(1, { kind: "429", retryAfterSeconds: 3 })
    server.failNext(1, { kind: "500" })
    server.failNext(1, { kind: "malformed-body" })
    const e429 = await ask("a").catch((e) => e)
    expect(e429.status).toBe(429)
    expect(e429.headers.get("retry-after")).toBe("3")
    await expect(ask("b")).rejects.toMatchObject({ status: 500 })
    await expect(ask("c")).rejects.toBeTruthy()
    const r = await ask("d")
    expect(r.choices[0]!.message.content).toContain("d")
    expect(server.chatRequests().slice(-4).map((x) => x.status)).toEqual([429, 500, 200, 200])
    expect(server.chatRequests().slice(-4).map((x) => x.fault)).toEqual(["429", "500", "malformed-body", undefined])
  })

  it("hangs past the client's timeout", async () => {
    server.failNext(1, { kind: "hang" })
    const quick = new OpenAI({ baseURL: server.baseURL, apiKey: "sk-test", maxRetries: 0, timeout: 200 })
    await expect(quick.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] })).rejects.toThrow(/timed out/i)
    expect(server.chatRequests().at(-1)!.status).toBe("hang")
  })

  it("fails only requests matching a needle", async () => {
    server.failMatching("坏", 1, { kind: "500" })
    await expect(ask("好")).resolves.toBeTruthy()
    await expect(ask("坏")).rejects.toMatchObject({ status: 500 })
    await expect(ask("坏")).resolves.toBeTruthy()
  })

  it("default handler answers the KG prompt convention with JSON pairs", async () => {
    const { defaultHandler } = await import("../src/llmServer.js")
    server.setHandler(defaultHandler)
    const r = await ask("实体：胆囊炎\n关系：症状\n事实：右上腹痛、发热\n数量：2")
    const parsed = JSON.parse(r.choices[0]!.message.content!)
    expect(parsed.pairs).toHaveLength(2)
    expect(parsed.pairs[0].answer).toContain("右上腹痛")
  })
})

describe("local OpenAI-compatible server (child process)", () => {
  it("prints its port, is driven over HTTP, and dies on SIGTERM", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "libs/testing/src/llmServerMain.ts", "--port", "0"], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "inherit"]
    })
    try {
      const line = await new Promise<string>((res) => createInterface({ input: child.stdout! }).once("line", res))
      const { baseURL, port } = JSON.parse(line) as { baseURL: string; port: number }
      expect(port).toBeGreaterThan(0)
      await fetch(`http://127.0.0.1:${port}/__control/fail`, {
        method: "POST",
        body: JSON.stringify({ count: 1, fault: { kind: "500" } })
      })
      const client = new OpenAI({ baseURL, apiKey: "k", maxRetries: 0 })
      await expect(client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({ status: 500 })
      const ok = await client.chat.completions.create({ model: "m", messages: [{ role: "user", content: "y" }] })
      expect(ok.choices[0]!.message.content).toBe("收到：y")
      const log = (await (await fetch(`http://127.0.0.1:${port}/__control/requests`)).json()) as Array<{ status: number }>
      expect(log.map((r) => r.status)).toEqual([500, 200])
    } finally {
      const exited = new Promise((r) => child.once("exit", r))
      child.kill("SIGTERM")
      await exited
    }
  })
})
