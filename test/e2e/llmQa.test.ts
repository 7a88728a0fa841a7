/**
 * The hepatobiliary workflow with the `llm` QA generator against the local OpenAI-compatible server
 * (its own child process): kill -9 during QA generation (the re-run sends only unfinished requests
 * and the workflow completes), and an endpoint answering 429 / 500 / hanging for a while (the run
 * completes with the same QA as a clean run).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Effect } from "effect"
import { makeFsCheckpoint } from "@zaoji/core"
import type { RecordedRequest } from "@zaoji/testing"
import { relationLabel, type Relation } from "@zaoji/knowledge-graph"
import type { CliResult } from "../engine/cliProcess.js"
import { artifactDir, explain, readManifest, runHepatobiliary, stageEvents, stageKeys, tempStore } from "../support/hepatobiliary.js"
import { type LlmServerProcess, startLlmServerProcess } from "../support/llmServerProcess.js"

const apiKey = "e2e-local-key-7f3a"
// the child processes inherit it; the workflow names only the variable
process.env.ZAOJI_TEST_KEY = apiKey

let server: LlmServerProcess
let llmSettings: ReadonlyArray<string>
/** the clean run: kg + kg-qa only */
let cleanStore: string
let clean: CliResult
let cleanRequests: ReadonlyArray<RecordedRequest>

const qaOnly = ["--only", "kg", "--only", "kg-qa"]

/** `entity|relation label` of a chat request, from the generator's prompt lines */
const itemOfRequest = (r: RecordedRequest): string => {
  const messages = (r.body as { messages: Array<{ role: string; content: string }> }).messages
  const user = messages.filter((m) => m.role === "user").at(-1)!.content
  const field = (label: string) => new RegExp(`^${label}：(.+)$`, "m").exec(user)![1]!.trim()
  return `${field("实体")}|${field("关系")}`
}

/** the same key for a checkpointed item (its id is `entity|relation|hash`) */
const itemOfCheckpointId = (id: string): string => {
  const [entity, relation] = id.split("|")
  return `${entity}|${relationLabel[relation as Relation]}`
}

const chatRequests = (rs: ReadonlyArray<RecordedRequest>) => rs.filter((r) => r.path === "/v1/chat/completions")

const qaFile = (store: string, r: CliResult) => fs.readFileSync(path.join(artifactDir(store, stageKeys(r)["kg-qa"]!), "qa.jsonl"), "utf8")

/** every file under `dir`, recursively */
const filesUnder = (dir: string): Array<string> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? filesUnder(path.join(dir, d.name)) : [path.join(dir, d.name)]))

beforeAll(async () => {
  server = await startLlmServerProcess({ apiKey, handler: "test/support/slowLlmHandler.ts" })
  const endpoint = { baseURL: server.baseURL, model: "test", apiKeyEnv: "ZAOJI_TEST_KEY", timeoutMs: 5000, maxAttempts: 8, baseDelayMs: 20, maxDelayMs: 200 }
  llmSettings = ["kg-qa.generator=llm", `kg-qa.llm=${JSON.stringify(endpoint)}`]
  cleanStore = tempStore("llm-clean")
  clean = await runHepatobiliary(cleanStore, { set: llmSettings, args: qaOnly })
  cleanRequests = chatRequests(await server.requests())
  await server.clear()
}, 300_000)

afterAll(async () => {
  await server?.close()
})

describe("QA generation with the llm generator (local server child process)", () => {
  it("a clean run: one request per (entity, relation), each with the key from the environment, and the key is written nowhere", () => {
    expect(clean.code, explain(clean)).toBe(0)
    const items = cleanRequests.map(itemOfRequest)
    expect(items.length).toBeGreaterThan(20)
    expect(new Set(items).size).toBe(items.length)
    for (const r of cleanRequests) {
      expect(r.status).toBe(200)
      expect(r.authorization).toBe(`Bearer ${apiKey}`)
      expect((r.body as { model: string }).model).toBe("test")
    }
    const out = readManifest(cleanStore, stageKeys(clean)["kg-qa"]!).output
    expect(out).toMatchObject({ generator: "llm", failedRequests: 0, usage: { requests: items.length, attempts: items.length, resumedItems: 0 } })
    expect(out.count).toBeGreaterThan(0)
    for (const f of filesUnder(cleanStore)) expect(fs.readFileSync(f).includes(apiKey), f).toBe(false)
  })

  it("kill -9 during QA generation: the re-run completes the workflow, resends no finished request, and yields the clean run's QA", async () => {
    expect(clean.code, explain(clean)).toBe(0)
    const total = cleanRequests.length
    const store = tempStore("llm-kill")
    let killedAt = -1
    const first = await runHepatobiliary(store, {
      set: llmSettings,
      onEvent: (e, child) => {
        if (killedAt < 0 && e.type === "progress" && e.stage === "kg-qa" && e.done >= 10) {
          killedAt = e.done
          child.kill("SIGKILL")
        }
      }
    })
    expect(first.signal, explain(first)).toBe("SIGKILL")
    expect(killedAt).toBeGreaterThanOrEqual(10)
    const kgQaKey = stageKeys(first)["kg-qa"]!
    // finished item → the attempts it took, read by the engine's own checkpoint reader (which, like
    // the re-run, ignores the temp file of an item write the kill interrupted)
    const persisted = await Effect.runPromise(makeFsCheckpoint(path.join(store, "checkpoints", kgQaKey)).items())
    const finished = new Map([...persisted].map(([id, value]) => [itemOfCheckpointId(id), (value as { attempts: number }).attempts] as const))
    expect(finished.size).toBeGreaterThanOrEqual(10)
    expect(finished.size).toBeLessThan(total)

    const second = await runHepatobiliary(store, { set: llmSettings })
    expect(second.code, explain(second)).toBe(0)
    const statuses = Object.fromEntries(stageEvents(second).filter((e) => !["running", "retrying"].includes(e.status)).map((e) => [e.stage, e.status]))
    for (const e of stageEvents(first, "done")) expect(statuses[e.stage], e.stage).toBe("cached")
    expect(statuses.kg).toBe("cached")
    expect(statuses["kg-qa"]).toBe("done")
    expect(statuses.eval).toBe("done")
    expect(Object.values(statuses).every((s) => s === "done" || s === "cached")).toBe(true)

    // Over both runs, an item finished before the kill was requested exactly as often as its
    // persisted attempts say: the re-run did not send it again. (Both runs' requests are counted
    // together: requests the killed process had in flight may reach the log late.)
    const sent = new Map<string, number>()
    for (const i of chatRequests(await server.requests()).map(itemOfRequest)) sent.set(i, (sent.get(i) ?? 0) + 1)
    for (const [item, attempts] of finished) expect(sent.get(item), item).toBe(attempts)
    expect(new Set(sent.keys())).toEqual(new Set(cleanRequests.map(itemOfRequest)))
    expect(second.events).toContainEqual(
      expect.objectContaining({ type: "log", stage: "kg-qa", message: "resuming QA generation", fields: { finished: finished.size, total } })
    )
    expect(readManifest(store, kgQaKey).output.usage).toMatchObject({ requests: total, resumedItems: finished.size })
    expect(readManifest(store, kgQaKey).output.failedRequests).toBe(0)
    expect(qaFile(store, second)).toBe(qaFile(cleanStore, clean))
    expect(fs.existsSync(path.join(store, "checkpoints", kgQaKey))).toBe(false)
  })

  it("429 with Retry-After, 500 and hangs past the timeout for the first requests: the run completes with the clean run's QA", async () => {
    expect(clean.code, explain(clean)).toBe(0)
    await server.clear()
    await server.fail(2, { kind: "429", retryAfterSeconds: 1 })
    await server.fail(2, { kind: "500" })
    await server.fail(2, { kind: "hang" })
    const store = tempStore("llm-faults")
    const r = await runHepatobiliary(store, { set: llmSettings, args: qaOnly })
    expect(r.code, explain(r)).toBe(0)
    expect(qaFile(store, r)).toBe(qaFile(cleanStore, clean))

    const requests = chatRequests(await server.requests())
    const faulted = requests.filter((q) => q.status !== 200)
    expect(faulted.map((q) => q.status).sort()).toEqual([429, 429, 500, 500, "hang", "hang"].sort())
    // every item was answered exactly once in the end
    const answered = requests.filter((q) => q.status === 200).map(itemOfRequest)
    expect(answered.length).toBe(cleanRequests.length)
    expect(new Set(answered)).toEqual(new Set(cleanRequests.map(itemOfRequest)))
    // each failed request was retried for the same item
    for (const q of faulted) expect(answered).toContain(itemOfRequest(q))
    expect(readManifest(store, stageKeys(r)["kg-qa"]!).output.usage).toMatchObject({
      requests: cleanRequests.length,
      attempts: cleanRequests.length + 6
    })
  })
})
