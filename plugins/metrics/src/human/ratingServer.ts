/**
 * The local rating server behind `zaoji rate KIT_DIR`: node:http on 127.0.0.1 only, serving one
 * self-contained page and a small JSON API. Each rating is stored in SQLite the moment it arrives.
 *
 * Only the kit folder is read (kit.json); the mapping is never loaded, so nothing the server sends
 * can reveal which model wrote an answer. Live conversations (when chat models are given) pick the
 * model on the server and store it in the database, hidden from the page.
 *
 * Because the server is reachable from any page the rater's browser opens, it only accepts requests
 * whose Host is the loopback address it listens on (against DNS rebinding) and writes only with the
 * per-start token embedded in its page (a custom header, so cross-site forms cannot send it).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { randomBytes } from "node:crypto"
import { Effect } from "effect"
import { InputError } from "@zaoji/core"
import { Kit, type KitDialogue } from "./kitFormat.js"
import { KIT_FILE } from "./blindKit.js"
import { readJsonFile } from "./files.js"
import { kitFingerprint, openRatingsStore, type RatingsStore } from "./ratingsStore.js"
import { RATINGS_FILE } from "./unblind.js"
import { ratingPageHtml } from "./ratingPage.js"
import { keyedRandom, shuffled } from "./seededRandom.js"

/** one model answering in a live conversation: the previous turns and the new user message → reply */
export type LiveChat = (history: ReadonlyArray<{ readonly user: string; readonly reply: string }>, message: string) => Promise<string>

export interface RatingServerOptions {
  readonly kitDir: string
  /** 0 (default) picks a free port */
  readonly port?: number
  /** fix the rater's name; otherwise the page asks for it */
  readonly rater?: string
  /** default <kitDir>/ratings.sqlite */
  readonly dbPath?: string
  /** models for live conversations in the page; without them the live tab is hidden */
  readonly liveModels?: Readonly<Record<string, LiveChat>>
  /** seeds which model a new live conversation gets */
  readonly seed?: number
}

export interface RatingServer {
  readonly url: string
  readonly port: number
  readonly dbPath: string
  readonly close: () => Promise<void>
}

const MAX_BODY = 1 << 20

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
  }
}

const readBody = (req: IncomingMessage): Promise<unknown> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) {
        reject(new HttpError(413, "request body too large"))
        req.destroy()
      } else chunks.push(c)
    })
    req.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}"))
      } catch {
        reject(new HttpError(400, "request body is not valid JSON"))
      }
    })
    req.on("error", reject)
  })

const send = (res: ServerResponse, status: number, body: string, type: string): void => {
  res.writeHead(status, {
    "content-type": type,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:"
  })
  res.end(body)
}
const sendJson = (res: ServerResponse, status: number, value: unknown) => send(res, status, JSON.stringify(value), "application/json; charset=utf-8")

const str = (body: any, field: string, maxLength = 20_000): string => {
  const v = body?.[field]
  if (typeof v !== "string") throw new HttpError(400, `${field}: expected a string`)
  if (v.length > maxLength) throw new HttpError(400, `${field}: longer than ${maxLength} characters`)
  return v
}
const raterOf = (body: any): string => {
  const r = str(body, "rater", 100).trim()
  if (r === "") throw new HttpError(400, "rater: expected a non-empty name")
  return r
}
const scoreOrNull = (body: any, field: string): number | null => {
  const v = body?.[field]
  if (v === null || v === undefined) return null
  if (typeof v !== "number") throw new HttpError(400, `${field}: expected a number or null`)
  return v
}

export const startRatingServer = async (options: RatingServerOptions): Promise<RatingServer> => {
  const kitPath = join(options.kitDir, KIT_FILE)
  const kit = readJsonFile(kitPath, Kit, "blind kit (kit.json)")
  const dbPath = options.dbPath ?? join(options.kitDir, RATINGS_FILE)
  const store: RatingsStore = openRatingsStore(dbPath, kitFingerprint(readFileSync(kitPath, "utf8")))
  const token = randomBytes(16).toString("hex")
  const questions = new Map(kit.questions.map((q) => [q.id, new Set(q.answers.map((a) => a.label))]))
  const dialogues = new Map<string, KitDialogue>(kit.dialogues.map((d) => [d.id, d]))
  const liveNames = Object.keys(options.liveModels ?? {})
  let port = 0

  const liveTurnsOf = (rater: string, id: string) => {
    const d = store.liveDialogues(rater).find((x) => x.id === id)
    if (d === undefined) throw new HttpError(404, `no live conversation "${id}" of rater "${rater}"`)
    return d
  }

  const api = async (req: IncomingMessage, url: URL): Promise<unknown> => {
    if (req.method === "GET" && url.pathname === "/api/state") {
      const rater = url.searchParams.get("rater")?.trim() ?? ""
      if (rater === "") throw new HttpError(400, "rater: expected a non-empty name")
      return {
        answers: store.answerRatings(rater),
        replies: store.replyRatings(rater),
        live: store.liveDialogues(rater).map((d) => ({ id: d.id, turns: d.turns }))
      }
    }
    if (req.method !== "POST") throw new HttpError(404, "not found")
    if (req.headers["x-zaoji-token"] !== token) throw new HttpError(403, "missing or wrong page token (reload the page)")
    const body: any = await readBody(req)
    switch (url.pathname) {
      case "/api/answer": {
        const questionId = str(body, "questionId", 500)
        const label = str(body, "label", 20)
        if (!questions.get(questionId)?.has(label)) throw new HttpError(400, `no answer ${label} of question "${questionId}" in this kit`)
        store.saveAnswerRating({ rater: raterOf(body), questionId, label, score: scoreOrNull(body, "score"), comment: str(body, "comment") })
        return { ok: true }
      }
      case "/api/reply": {
        const rater = raterOf(body)
        const dialogueId = str(body, "dialogueId", 500)
        const turn = body?.turn
        const turns = dialogues.get(dialogueId)?.turns.length ?? (dialogueId.startsWith("live-") ? liveTurnsOf(rater, dialogueId).turns.length : undefined)
        if (turns === undefined) throw new HttpError(400, `no conversation "${dialogueId}" in this kit`)
        if (typeof turn !== "number" || !Number.isInteger(turn) || turn < 0 || turn >= turns) {
          throw new HttpError(400, `turn: expected an integer from 0 to ${turns - 1}`)
        }
        store.saveReplyRating({
          rater,
          dialogueId,
          turn,
          accuracy: scoreOrNull(body, "accuracy"),
          doctorValue: scoreOrNull(body, "doctorValue"),
          patientSuitability: scoreOrNull(body, "patientSuitability"),
          comment: str(body, "comment")
        })
        return { ok: true }
      }
      case "/api/live/start": {
        if (liveNames.length === 0) throw new HttpError(404, "live conversations are not enabled on this server")
        const rater = raterOf(body)
        // rotate through the models in a seeded order, so each rater meets every model equally often
        const order = shuffled(liveNames, keyedRandom(options.seed ?? 0, `live:${rater}`))
        const model = order[store.liveDialogues(rater).length % order.length]!
        return { id: store.startLiveDialogue(rater, model) }
      }
      case "/api/live/say": {
        const rater = raterOf(body)
        const d = liveTurnsOf(rater, str(body, "dialogueId", 500))
        const message = str(body, "message", 4000)
        if (message.trim() === "") throw new HttpError(400, "message: expected some text")
        const reply = await options.liveModels![d.model]!(d.turns, message)
        const turn = store.appendLiveTurn(d.id, message, reply)
        return { turn, user: message, reply }
      }
      default:
        throw new HttpError(404, "not found")
    }
  }

  const server = createServer((req, res) => {
    const host = req.headers.host ?? ""
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      send(res, 421, "wrong host", "text/plain; charset=utf-8")
      return
    }
    const url = new URL(req.url ?? "/", `http://${host}`)
    if (req.method === "GET" && (url.pathname === "/" || url.pathname === "/index.html")) {
      send(res, 200, ratingPageHtml({ token, rater: options.rater ?? null, kit, live: liveNames.length > 0 }), "text/html; charset=utf-8")
      return
    }
    if (!url.pathname.startsWith("/api/")) {
      send(res, 404, "not found", "text/plain; charset=utf-8")
      return
    }
    api(req, url).then(
      (value) => sendJson(res, 200, value),
      (e) => {
        const status = e instanceof HttpError ? e.status : e instanceof InputError ? 400 : 500
        sendJson(res, status, { error: e instanceof Error ? e.message : String(e) })
      }
    )
  })

  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      store.close()
      reject(
        e.code === "EADDRINUSE"
          ? new InputError({ message: `port ${options.port} is already in use (choose another with --port)`, location: "--port" })
          : e
      )
    })
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve())
  })
  port = (server.address() as { port: number }).port
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    dbPath,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => {
          store.close()
          resolve()
        })
      })
  }
}

/** The server as a scoped resource: closed (and the database with it) when the scope ends. */
export const ratingServer = (options: RatingServerOptions) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => startRatingServer(options),
      catch: (e) => (e instanceof InputError ? e : new InputError({ message: `cannot start the rating server: ${(e as Error).message}`, location: options.kitDir }))
    }),
    (s) => Effect.promise(() => s.close())
  )
