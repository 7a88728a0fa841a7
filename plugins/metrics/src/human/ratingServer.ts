/**
 * The local rating server behind `zaoji rate KIT_DIR`: @zaoji/http on 127.0.0.1 only, serving one
 * self-contained page (bundled at start, see ratingPage.ts) and a small JSON API. Each rating is stored in SQLite the moment it arrives.
 *
 * Only the kit folder is read (kit.json); the mapping is never loaded, so nothing the server sends
 * can reveal which model wrote an answer. Live conversations (when chat models are given) pick the
 * model on the server and store it in the database, hidden from the page.
 *
 * Because the server is reachable from any page the rater's browser opens, it only accepts requests
 * whose Host is the loopback address it listens on (against DNS rebinding) and writes only with the
 * per-start token embedded in its page (a custom header, so cross-site forms cannot send it).
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { randomBytes } from "node:crypto"
import { Effect } from "effect"
import { InputError, errorMessage } from "@zaoji/core"
import { HttpError, json, route, startHttpServer, text, type Request } from "@zaoji/http"
import { Kit, type KitDialogue } from "./kitFormat.js"
import { KIT_FILE } from "./blindKit.js"
import { readJsonFile } from "./files.js"
import { kitFingerprint, openRatingsStore, type RatingsStore } from "./ratingsStore.js"
import { RATINGS_FILE } from "./unblind.js"
import { ratingPageAssets, ratingPageHtml } from "./ratingPage.js"
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

export const startRatingServer = async (options: RatingServerOptions): Promise<RatingServer> => {
  const kitPath = join(options.kitDir, KIT_FILE)
  const kit = readJsonFile(kitPath, Kit, "blind kit (kit.json)")
  const page = await ratingPageAssets()
  const dbPath = options.dbPath ?? join(options.kitDir, RATINGS_FILE)
  const store: RatingsStore = openRatingsStore(dbPath, kitFingerprint(readFileSync(kitPath, "utf8")))
  const token = randomBytes(16).toString("hex")
  const questions = new Map(kit.questions.map((q) => [q.id, new Set(q.answers.map((a) => a.label))]))
  const dialogues = new Map<string, KitDialogue>(kit.dialogues.map((d) => [d.id, d]))
  const liveNames = Object.keys(options.liveModels ?? {})
  const html = ratingPageHtml(page, { token, rater: options.rater ?? null, kit, live: liveNames.length > 0 })

  const liveTurnsOf = (rater: string, id: string) => {
    const d = store.liveDialogues(rater).find((x) => x.id === id)
    if (d === undefined) throw new HttpError({ status: 404, message: `no live conversation "${id}" of rater "${rater}"` })
    return d
  }

  /** the JSON body of a write: only with the page's token (a custom header, so cross-site forms cannot send it) */
  const writeBody = async (request: Request): Promise<Body> => {
    if (request.headers["x-zaoji-token"] !== token) throw new HttpError({ status: 403, message: "missing or wrong page token (reload the page)" })
    const body = await request.json({})
    if (typeof body !== "object" || body === null || Array.isArray(body)) throw invalid("body: expected a JSON object")
    return body as Body
  }

  const showPage = () => text(html, "text/html; charset=utf-8")
  const routes = [
    route("GET", "/", showPage),
    route("GET", "/index.html", showPage),
    route("GET", "/api/state", (request) => {
      const rater = request.url.searchParams.get("rater")?.trim() ?? ""
      if (rater === "") throw invalid("rater: expected a non-empty name")
      return json({
        answers: store.answerRatings(rater),
        replies: store.replyRatings(rater),
        live: store.liveDialogues(rater).map((d) => ({ id: d.id, turns: d.turns }))
      })
    }),
    route("POST", "/api/answer", async (request) => {
      const body = await writeBody(request)
      const questionId = str(body, "questionId", 500)
      const label = str(body, "label", 20)
      if (!questions.get(questionId)?.has(label)) throw invalid(`no answer ${label} of question "${questionId}" in this kit`)
      store.saveAnswerRating({ rater: raterOf(body), questionId, label, score: scoreOrNull(body, "score"), comment: str(body, "comment") })
      return json({ ok: true })
    }),
    route("POST", "/api/reply", async (request) => {
      const body = await writeBody(request)
      const rater = raterOf(body)
      const dialogueId = str(body, "dialogueId", 500)
      const turn = body.turn
      const turns = dialogues.get(dialogueId)?.turns.length ?? (dialogueId.startsWith("live-") ? liveTurnsOf(rater, dialogueId).turns.length : undefined)
      if (turns === undefined) throw invalid(`no conversation "${dialogueId}" in this kit`)
      if (typeof turn !== "number" || !Number.isInteger(turn) || turn < 0 || turn >= turns) throw invalid(`turn: expected an integer from 0 to ${turns - 1}`)
      store.saveReplyRating({
        rater,
        dialogueId,
        turn,
        accuracy: scoreOrNull(body, "accuracy"),
        doctorValue: scoreOrNull(body, "doctorValue"),
        patientSuitability: scoreOrNull(body, "patientSuitability"),
        comment: str(body, "comment")
      })
      return json({ ok: true })
    }),
    route("POST", "/api/live/start", async (request) => {
      const body = await writeBody(request)
      if (liveNames.length === 0) throw new HttpError({ status: 404, message: "live conversations are not enabled on this server" })
      const rater = raterOf(body)
      // rotate through the models in a seeded order, so each rater meets every model equally often
      const order = shuffled(liveNames, keyedRandom(options.seed ?? 0, `live:${rater}`))
      const model = order[store.liveDialogues(rater).length % order.length]!
      return json({ id: store.startLiveDialogue(rater, model) })
    }),
    route("POST", "/api/live/say", async (request) => {
      const body = await writeBody(request)
      const rater = raterOf(body)
      const d = liveTurnsOf(rater, str(body, "dialogueId", 500))
      const message = str(body, "message", 4000)
      if (message.trim() === "") throw invalid("message: expected some text")
      const reply = await options.liveModels![d.model]!(d.turns, message)
      const turn = store.appendLiveTurn(d.id, message, reply)
      return json({ turn, user: message, reply })
    })
  ]

  const server = await startHttpServer({
    port: options.port ?? 0,
    routes,
    headers: { "cache-control": "no-store", "x-content-type-options": "nosniff", "content-security-policy": page.contentSecurityPolicy },
    // the store rejects bad values (a score out of range) as the user's input error
    mapError: (e) => (e instanceof InputError ? invalid(e.message) : undefined)
  }).catch((e: NodeJS.ErrnoException) => {
    store.close()
    throw e.code === "EADDRINUSE"
      ? new InputError({ message: `port ${options.port} is already in use (choose another with --port)`, location: "--port" })
      : e
  })
  return {
    url: `${server.url}/`,
    port: server.port,
    dbPath,
    close: () => server.close().then(() => store.close())
  }
}

/** The server as a scoped resource: closed (and the database with it) when the scope ends. */
export const ratingServer = (options: RatingServerOptions) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => startRatingServer(options),
      catch: (e) => (e instanceof InputError ? e : new InputError({ message: `cannot start the rating server: ${errorMessage(e)}`, location: options.kitDir }))
    }),
    (s) => Effect.promise(() => s.close())
  )

// internal

/** a 400 naming the field and what was expected */
const invalid = (message: string): HttpError => new HttpError({ status: 400, message })

/** a write's JSON body: an object whose fields the helpers below check one by one */
type Body = Readonly<Record<string, unknown>>

const str = (body: Body, field: string, maxLength = 20_000): string => {
  const v = body[field]
  if (typeof v !== "string") throw invalid(`${field}: expected a string`)
  if (v.length > maxLength) throw invalid(`${field}: longer than ${maxLength} characters`)
  return v
}
const raterOf = (body: Body): string => {
  const r = str(body, "rater", 100).trim()
  if (r === "") throw invalid("rater: expected a non-empty name")
  return r
}
const scoreOrNull = (body: Body, field: string): number | null => {
  const v = body[field]
  if (v === null || v === undefined) return null
  if (typeof v !== "number") throw invalid(`${field}: expected a number or null`)
  return v
}
