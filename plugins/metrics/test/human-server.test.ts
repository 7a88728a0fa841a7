import { createHash } from "node:crypto"
import { rmSync, readFileSync } from "node:fs"
import { request } from "node:http"
import { join } from "node:path"
import { afterEach, describe, expect, it } from "vitest"
import { Effect } from "effect"
import { InputError } from "@zaoji/core"
import { ratingServer, startRatingServer, type RatingServer } from "../src/human/ratingServer.js"
import { unblindKit } from "../src/human/unblind.js"
import { makeFixtureKit, type Fixture } from "./human-fixture.js"
import { tinyModel, tinyTokenizer } from "./human-tinyModel.js"
import { glmResponder } from "../src/human/glmResponder.js"
import { historyMessages } from "../src/human/dialogue.js"

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})
const setup = async (opts: Partial<Parameters<typeof startRatingServer>[0]> = {}): Promise<{ fx: Fixture; server: RatingServer; token: string }> => {
  const fx = makeFixtureKit()
  cleanups.push(() => rmSync(fx.root, { recursive: true, force: true }))
  const server = await startRatingServer({ kitDir: fx.kitDir, ...opts })
  cleanups.push(() => server.close())
  const page = await (await fetch(server.url)).text()
  const token = /"token":"([0-9a-f]+)"/.exec(page)![1]!
  return { fx, server, token }
}
const post = (server: RatingServer, path: string, body: unknown, token: string) =>
  fetch(new URL(path, server.url), { method: "POST", headers: { "content-type": "application/json", "x-zaoji-token": token }, body: JSON.stringify(body) })

describe("rating server API", () => {
  it("listens on loopback only and serves a self-contained page without model names", async () => {
    const { fx, server } = await setup()
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/)
    const html = await (await fetch(server.url)).text()
    expect(html).toContain("肝胆问答盲评")
    for (const m of ["base", "stage1", "stage2"]) expect(html).not.toContain(`"${m}"`)
    // no external resources: every src/href is absent
    expect(html).not.toMatch(/\s(src|href)=/)
    expect(readFileSync(join(fx.kitDir, "kit.json"), "utf8")).not.toContain("stage2")
  })

  it("allows exactly the page's one script, by its hash: no inline-script allowance, no eval", async () => {
    const { server } = await setup()
    const res = await fetch(server.url)
    const csp = res.headers.get("content-security-policy")!
    const html = await res.text()
    const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]!)
    expect(scripts).toHaveLength(1)
    const hash = createHash("sha256").update(scripts[0]!, "utf8").digest("base64")
    expect(/script-src ([^;]*)/.exec(csp)![1]).toBe(`'sha256-${hash}'`)
    expect(csp).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/)
    // the kit and token travel as data, which the browser does not run
    expect(html).toMatch(/<script type="application\/json" id="boot">\{"token":"[0-9a-f]{32}"/)
    // the bundle is made once per process: a second server serves the same script
    const second = await setup()
    expect((await (await fetch(second.server.url)).text()).includes(scripts[0]!)).toBe(true)
  })

  it("stores each rating at once, returns it per rater, and validates input", async () => {
    const { fx, server, token } = await setup()
    const q = fx.kit.kit.questions[0]!
    const ok = await post(server, "/api/answer", { rater: "alice", questionId: q.id, label: "B", score: 7, comment: "还行" }, token)
    expect(ok.status).toBe(200)
    const state: any = await (await fetch(new URL("/api/state?rater=alice", server.url))).json()
    expect(state.answers).toEqual([{ rater: "alice", questionId: q.id, label: "B", score: 7, comment: "还行" }])
    expect(((await (await fetch(new URL("/api/state?rater=bob", server.url))).json()) as any).answers).toEqual([])

    const bad = async (body: unknown, status: number, pattern: RegExp, path = "/api/answer", tk = token) => {
      const r = await post(server, path, body, tk)
      expect(r.status).toBe(status)
      expect(((await r.json()) as any).error).toMatch(pattern)
    }
    await bad({ rater: "alice", questionId: q.id, label: "B", score: 11, comment: "" }, 400, /score: expected an integer from 0 to 10/)
    await bad({ rater: "alice", questionId: q.id, label: "Z", score: 1, comment: "" }, 400, /no answer Z of question "q1"/)
    await bad({ rater: " ", questionId: q.id, label: "A", score: 1, comment: "" }, 400, /rater: expected a non-empty name/)
    await bad({ rater: "alice", questionId: q.id, label: "A", score: 1, comment: "" }, 403, /token/, "/api/answer", "wrong")
    await bad({ rater: "alice", dialogueId: "d1-A", turn: 2, accuracy: 3, doctorValue: 3, patientSuitability: 3, comment: "" }, 400, /turn: expected an integer from 0 to 1/, "/api/reply")
    await bad({ rater: "alice", dialogueId: "d9-A", turn: 0, accuracy: 3, doctorValue: 3, patientSuitability: 3, comment: "" }, 400, /no conversation "d9-A"/, "/api/reply")
    await bad({ rater: "alice" }, 404, /not enabled/, "/api/live/start")
    const reply = await post(server, "/api/reply", { rater: "alice", dialogueId: "d1-A", turn: 1, accuracy: 4, doctorValue: null, patientSuitability: 5, comment: "" }, token)
    expect(reply.status).toBe(200)

    await server.close()
    cleanups.pop()
    const report = unblindKit({ kitDir: fx.kitDir })
    const rated = report.blind.perModel.find((m) => m.n === 1)!
    expect(rated.model).toBe(fx.modelOf(q.id, "B"))
    expect(rated.mean).toBe(7)
    const d = report.dialogue.perModel.find((m) => m.model === fx.kit.mapping.dialogues["d1-A"])!
    expect(d.accuracy.mean).toBe(4)
    expect(d.doctorValue.n).toBe(0)
    expect(d.overall.mean).toBe(4.5)
  })

  it("refuses requests addressed to another host name (DNS rebinding)", async () => {
    const { server } = await setup()
    const status = await new Promise<number>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: server.port, path: "/", headers: { host: `evil.example:${server.port}` } }, (res) => {
        res.resume()
        resolve(res.statusCode!)
      })
      req.on("error", reject)
      req.end()
    })
    expect(status).toBe(421)
  })

  it("runs live conversations with a model chosen on the server and hidden from the page", async () => {
    // two real tiny models; the wrapper only records which one answered and with how much history
    const tokenizer = tinyTokenizer()
    const models = { alpha: tinyModel(tokenizer, 1), beta2: tinyModel(tokenizer, 2) }
    cleanups.push(() => Object.values(models).forEach((m) => m.dispose()))
    const seen: Array<{ model: string; history: number; message: string; reply: string }> = []
    const chat = (model: keyof typeof models) => async (history: ReadonlyArray<{ user: string; reply: string }>, message: string) => {
      const [reply] = await glmResponder(models[model], tokenizer, { maxNewTokens: 4 })([historyMessages(undefined, history, message)])
      seen.push({ model, history: history.length, message, reply: reply! })
      return reply!
    }
    const { fx, server, token } = await setup({ liveModels: { alpha: chat("alpha"), beta2: chat("beta2") } })
    const ids: Array<string> = []
    for (let i = 0; i < 2; i++) {
      const start: any = await (await post(server, "/api/live/start", { rater: "alice" }, token)).json()
      ids.push(start.id)
      const r1: any = await (await post(server, "/api/live/say", { rater: "alice", dialogueId: start.id, message: "你好" }, token)).json()
      const r2: any = await (await post(server, "/api/live/say", { rater: "alice", dialogueId: start.id, message: "胆囊炎怎么办" }, token)).json()
      expect([r1.turn, r2.turn]).toEqual([0, 1])
      expect([r1.reply, r2.reply]).toEqual([seen.at(-2)!.reply, seen.at(-1)!.reply])
      expect(JSON.stringify([r1, r2, start])).not.toMatch(/alpha|beta2/)
      await post(server, "/api/reply", { rater: "alice", dialogueId: start.id, turn: 1, accuracy: i === 0 ? 2 : 4, doctorValue: 3, patientSuitability: 3, comment: "" }, token)
    }
    // each conversation got one model, the two conversations got both models, history was passed
    expect(seen.map((s) => s.history)).toEqual([0, 1, 0, 1])
    expect(new Set(seen.map((s) => s.model))).toEqual(new Set(["alpha", "beta2"]))
    expect(seen[0]!.model).toBe(seen[1]!.model)
    // another rater cannot talk in alice's conversation
    expect((await post(server, "/api/live/say", { rater: "bob", dialogueId: ids[0], message: "x" }, token)).status).toBe(404)

    await server.close()
    cleanups.pop()
    const report = unblindKit({ kitDir: fx.kitDir })
    const live = Object.fromEntries(report.dialogue.perModel.filter((m) => m.model === "alpha" || m.model === "beta2").map((m) => [m.model, m]))
    expect(live[seen[0]!.model]!.accuracy.mean).toBe(2)
    expect(live[seen[2]!.model]!.accuracy.mean).toBe(4)
    expect(report.dialogue.conversations).toBe(4)
  })

  it("is a scoped resource in Effect and reports a busy port as a user error", async () => {
    const fx = makeFixtureKit()
    cleanups.push(() => rmSync(fx.root, { recursive: true, force: true }))
    const port = await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const s = yield* ratingServer({ kitDir: fx.kitDir })
          const busy = yield* Effect.flip(ratingServer({ kitDir: fx.kitDir, port: s.port }))
          expect(busy).toBeInstanceOf(InputError)
          expect(busy.message).toMatch(new RegExp(`port ${s.port} is already in use`))
          return s.port
        })
      )
    )
    // released: the port is free again
    const again = await startRatingServer({ kitDir: fx.kitDir, port })
    await again.close()
    await expect(startRatingServer({ kitDir: join(fx.root, "nope") })).rejects.toThrow(/kit\.json\) not found/)
  })
})
