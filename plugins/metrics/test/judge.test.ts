import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Exit, Schema } from "effect"
import { makeTestStageContext } from "@zaoji/core"
import { LlmEndpoint } from "@zaoji/llm"
import { startLlmServer, type LlmServer } from "@zaoji/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { judgeAnswers, parseJudgeReply, readHumanScores, scoreRate, SubjectiveItem } from "../src/kit.js"

const items = [
  { id: "s1", question: "胆囊结石的首选检查？", reference: "腹部B超", rubric: "答出B超得满分" },
  { id: "s2", question: "急性胰腺炎在我国最常见的病因？", reference: "胆道疾病", points: 20 }
].map((x) => Schema.decodeUnknownSync(SubjectiveItem)(x))

describe("judge reply validation", () => {
  it("accepts a JSON object, also inside a code fence", () => {
    expect(parseJudgeReply('{"score": 7.5, "reason": "较全面"}')).toEqual({ score: 7.5, reason: "较全面" })
    expect(parseJudgeReply('```json\n{"score": 3}\n```')).toEqual({ score: 3, reason: "" })
  })
  it("rejects missing JSON, bad JSON and out-of-range scores with a reason", () => {
    expect(String(parseJudgeReply("8分"))).toMatch(/no JSON object/)
    expect(String(parseJudgeReply("{score: 8}"))).toMatch(/not valid JSON/)
    expect(String(parseJudgeReply('{"score": 11}'))).toMatch(/wrong shape/)
    expect(String(parseJudgeReply('{"score": "high"}'))).toMatch(/wrong shape/)
  })
})

describe("score rate", () => {
  it("is points earned over points possible", () => {
    const r = scoreRate([
      { id: "a", score: 10, points: 10 },
      { id: "b", score: 5, points: 20 },
      { id: "c", score: 0, points: 10 }
    ])
    expect(r).toEqual({ rate: 20 / 40, earned: 20, possible: 40, n: 3 })
  })
})

describe("LLM judge against a local OpenAI-compatible server", () => {
  let server: LlmServer
  beforeAll(async () => {
    // a judge that gives 10 when the reference appears in the answer, else 2
    server = await startLlmServer({
      handler: (req) => {
        const text = req.messages[req.messages.length - 1].content
        const ref = /参考答案：(.*)\n/.exec(text)![1]
        const ans = /考生答案：(.*)\n/.exec(text)![1]
        return JSON.stringify({ score: ans.includes(ref) ? 10 : 2, reason: "按参考答案" })
      }
    })
  })
  afterAll(() => server.close())

  const endpoint = () =>
    Schema.decodeUnknownSync(LlmEndpoint)({ baseURL: server.baseURL, model: "judge", baseDelayMs: 1, maxDelayMs: 5, maxAttempts: 4 })

  it("scores, retries through 429 and malformed answers, and caches every verdict", async () => {
    const dir = mkdtempSync(join(tmpdir(), "judge-"))
    server.clearRequests()
    server.failNext(1, { kind: "429", retryAfterSeconds: 0 })
    server.failNext(1, { kind: "malformed-content" })
    const answers = [
      { item: items[0], answer: "应首选腹部B超检查" },
      { item: items[1], answer: "酗酒" }
    ]
    const run = () => Effect.runPromise(judgeAnswers(endpoint(), answers, makeTestStageContext(dir)))
    const first = await run()
    expect(first.map((j) => [j.id, j.score, j.cached])).toEqual([
      ["s1", 10, false],
      ["s2", 2, false]
    ])
    expect(server.chatRequests().length).toBe(4)
    const rate = scoreRate(first)
    expect(rate.rate).toBeCloseTo((10 + 4) / 30, 12)
    // a second run (e.g. a resumed stage) is answered from the checkpoint
    const second = await run()
    expect(second.every((j) => j.cached)).toBe(true)
    expect(second.map((j) => j.score)).toEqual([10, 2])
    expect(server.chatRequests().length).toBe(4)
  })

  it("gives up with a clear error after the attempts are spent", async () => {
    const dir = mkdtempSync(join(tmpdir(), "judge-"))
    server.failNext(4, { kind: "500" })
    const exit = await Effect.runPromiseExit(judgeAnswers(endpoint(), [{ item: items[0], answer: "x" }], makeTestStageContext(dir)))
    expect(Exit.isFailure(exit)).toBe(true)
    expect(JSON.stringify(exit)).toMatch(/500/)
  })

  it("refuses to send sensitive items to a non-local endpoint", async () => {
    const dir = mkdtempSync(join(tmpdir(), "judge-"))
    const sensitive = { ...items[0], sensitive: true }
    const ep = Schema.decodeUnknownSync(LlmEndpoint)({ baseURL: "https://judge.example.invalid/v1", model: "m" })
    const exit = await Effect.runPromiseExit(judgeAnswers(ep, [{ item: sensitive, answer: "x" }], makeTestStageContext(dir)))
    expect(JSON.stringify(exit)).toMatch(/refusing to send record-derived/)
  })
})

describe("human scores from CSV", () => {
  it("averages raters, rescales to 0–10 and feeds the score rate", async () => {
    const dir = mkdtempSync(join(tmpdir(), "human-"))
    const file = join(dir, "scores.csv")
    writeFileSync(file, "id,score,rater,max\ns1,8,r1,\ns1,6,r2,\ns2,3,r1,5\n")
    const scored = await Effect.runPromise(readHumanScores(file, items))
    expect(scored).toEqual([
      { id: "s1", score: 7, points: 10 },
      { id: "s2", score: 6, points: 20 }
    ])
    expect(scoreRate(scored).rate).toBeCloseTo((7 + 12) / 30, 12)
  })
  it("names file:line and the problem for a bad score and for an unknown id", async () => {
    const dir = mkdtempSync(join(tmpdir(), "human-"))
    const bad = join(dir, "bad.csv")
    writeFileSync(bad, "id,score\ns1,8\ns2,twelve\n")
    const e1 = await Effect.runPromise(Effect.flip(readHumanScores(bad, items)))
    expect(e1._tag).toBe("InputError")
    expect(e1.message).toContain("bad.csv")
    expect(e1.message).toMatch(/:3/)
    const unknown = join(dir, "unknown.csv")
    writeFileSync(unknown, "id,score\ns9,8\n")
    const e2 = await Effect.runPromise(Effect.flip(readHumanScores(unknown, items)))
    expect(e2.message).toBe(`${unknown}:2: id "s9" is not a question of the subjective set`)
  })
})
