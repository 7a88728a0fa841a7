/**
 * The rating page's script (browser code; bundled by esbuild when the rating server starts, see
 * ../ratingPage.ts). Raters score each anonymous answer 0–10 with an optional comment, and each
 * conversation reply 1–5 on three dimensions; every change is sent to the server at once. Reopening
 * the page with the same rater name restores all ratings and jumps to the first unfinished question.
 * All text is inserted with textContent, never as HTML.
 */
import type { DialogueTurn, KitQuestion, ReplyDimension } from "../kitFormat.js"
import { BOOT_ELEMENT_ID, type RatingPageBoot } from "./boot.js"

const boot = JSON.parse(byId(BOOT_ELEMENT_ID).textContent ?? "null") as RatingPageBoot
const kit = boot.kit

interface AnswerState {
  score: number | null
  comment: string
}
type ReplyState = Record<ReplyDimension, number | null> & { comment: string }
interface Conversation {
  readonly id: string
  readonly turns: Array<DialogueTurn>
}
interface ShownDialogue {
  readonly id: string
  readonly title: string
  readonly turns: ReadonlyArray<DialogueTurn>
  readonly live: boolean
}
type View = "answers" | "dialogues" | "live"

/** what GET /api/state answers */
interface SavedState {
  readonly answers: ReadonlyArray<{ readonly questionId: string; readonly label: string; readonly score: number | null; readonly comment: string }>
  readonly replies: ReadonlyArray<{ readonly dialogueId: string; readonly turn: number; readonly comment: string } & Record<ReplyDimension, number | null>>
  readonly live: ReadonlyArray<Conversation>
}

const state = {
  rater: "",
  answers: new Map<string, AnswerState>(),
  replies: new Map<string, ReplyState>(),
  live: [] as Array<Conversation>,
  view: "answers" as View,
  q: 0,
  d: 0
}
const root = byId("app")
const statusEl = byId("status")

const DIMS: ReadonlyArray<readonly [ReplyDimension, string]> = [
  ["accuracy", "Accuracy"],
  ["doctorValue", "Value to doctors"],
  ["patientSuitability", "Suitability for patients"]
]

// internal

function start(): void {
  document.title = `${kit.title} – rating`
  byId("title").textContent = kit.title
  const fromUrl = new URL(location.href).searchParams.get("rater")
  if (boot.rater) startRating(boot.rater)
  else if (fromUrl && fromUrl.trim()) startRating(fromUrl.trim())
  else askName()
}

function byId(id: string): HTMLElement {
  const e = document.getElementById(id)
  if (e === null) throw new Error(`the page has no #${id}`)
  return e
}

type Attrs = Readonly<Record<string, string | ((event: Event) => void)>>

/** an element with attributes (`text` → textContent, `class`, `on<event>` → listener) and children */
function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, children?: ReadonlyArray<Node | null>): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (typeof v === "function") e.addEventListener(k.slice(2), v)
    else if (k === "text") e.textContent = v
    else if (k === "class") e.className = v
    else e.setAttribute(k, v)
  }
  for (const c of children ?? []) if (c) e.appendChild(c)
  return e
}

function showError(msg: string): void {
  statusEl.textContent = msg
  statusEl.className = "error"
}
function showOk(msg: string): void {
  statusEl.textContent = msg
  statusEl.className = ""
}

async function api<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const r = await fetch(path, {
    method,
    keepalive: true,
    headers: { "content-type": "application/json", "x-zaoji-token": boot.token },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  const j = (await r.json()) as T & { readonly error?: string }
  if (!r.ok) throw new Error(j.error || `HTTP ${r.status}`)
  return j
}
const messageOf = (e: unknown): string => (e instanceof Error ? e.message : String(e))

const aKey = (q: string, l: string): string => `${q}\u0000${l}`
const rKey = (d: string, t: number): string => `${d}\u0000${t}`

// ---- saving: one request per change, queued per item so that the last state always wins
const pending = new Map<string, Promise<void>>()
function saveItem(key: string, path: string, payload: unknown, savedEl: HTMLElement): Promise<void> {
  const chain = (pending.get(key) ?? Promise.resolve()).then(() =>
    api("POST", path, payload).then(
      () => {
        savedEl.textContent = "saved"
        showOk("All ratings saved.")
      },
      (e: unknown) => showError(`Not saved: ${messageOf(e)}`)
    )
  )
  pending.set(key, chain)
  savedEl.textContent = "saving…"
  return chain
}
function saveAnswer(qid: string, label: string, savedEl: HTMLElement): Promise<void> {
  const r = state.answers.get(aKey(qid, label))!
  return saveItem(`a${aKey(qid, label)}`, "/api/answer", { rater: state.rater, questionId: qid, label, score: r.score, comment: r.comment }, savedEl)
}
function saveReply(did: string, turn: number, savedEl: HTMLElement): Promise<void> {
  const r = state.replies.get(rKey(did, turn))!
  return saveItem(
    `r${rKey(did, turn)}`,
    "/api/reply",
    { rater: state.rater, dialogueId: did, turn, accuracy: r.accuracy, doctorValue: r.doctorValue, patientSuitability: r.patientSuitability, comment: r.comment },
    savedEl
  )
}

// ---- progress
function answerDone(qid: string, label: string): boolean {
  const r = state.answers.get(aKey(qid, label))
  return r !== undefined && r.score !== null
}
function questionDone(q: KitQuestion): boolean {
  return q.answers.every((a) => answerDone(q.id, a.label))
}
function replyDone(did: string, t: number): boolean {
  const r = state.replies.get(rKey(did, t))
  return r !== undefined && r.accuracy !== null && r.doctorValue !== null && r.patientSuitability !== null
}
function allDialogues(): Array<ShownDialogue> {
  return kit.dialogues
    .map((d): ShownDialogue => ({ id: d.id, title: `Conversation ${d.id}`, turns: d.turns, live: false }))
    .concat(state.live.map((d) => ({ id: d.id, title: `Live ${d.id}`, turns: d.turns, live: true })))
}
function progressBlock(): HTMLElement {
  const qs = kit.questions.filter(questionDone).length
  let nA = 0
  let doneA = 0
  for (const q of kit.questions)
    for (const a of q.answers) {
      nA++
      if (answerDone(q.id, a.label)) doneA++
    }
  let nR = 0
  let doneR = 0
  for (const d of allDialogues())
    d.turns.forEach((_, t) => {
      nR++
      if (replyDone(d.id, t)) doneR++
    })
  const total = nA + nR
  const done = doneA + doneR
  const parts: Array<string> = []
  if (kit.questions.length) parts.push(`${qs} / ${kit.questions.length} questions (${doneA} / ${nA} answers)`)
  if (nR) parts.push(`${doneR} / ${nR} replies`)
  return el("div", { class: "progress" }, [
    el("div", { "data-testid": "progress", text: `Rated ${parts.join(", ")}` }),
    el("div", { class: "bar" }, [el("div", { style: `width:${total ? Math.round((100 * done) / total) : 0}%` })])
  ])
}

function scale(name: string, min: number, max: number, value: number | null, onPick: (v: number) => void, testid: string): HTMLElement {
  const box = el("span", { class: "scale", "data-testid": testid })
  for (let v = min; v <= max; v++) {
    const input = el("input", { type: "radio", name, value: String(v), onchange: () => onPick(v) })
    if (value === v) input.checked = true
    box.appendChild(el("label", null, [input, el("span", { text: String(v) })]))
  }
  return box
}

// typed comments are sent after a pause; leaving the page sends what is still waiting
let flushers: Array<() => void> = []
window.addEventListener("pagehide", () => flushers.forEach((f) => f()))
function commentBox(value: string, onText: (text: string) => void, testid: string): HTMLTextAreaElement {
  let timer: ReturnType<typeof setTimeout> | null = null
  const ta = el("textarea", { placeholder: "Comment (optional)", "data-testid": testid })
  ta.value = value
  const flush = (): void => {
    if (timer) {
      clearTimeout(timer)
      timer = null
      onText(ta.value)
    }
  }
  ta.addEventListener("input", () => {
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = null
      onText(ta.value)
    }, 400)
  })
  ta.addEventListener("blur", flush)
  flushers.push(flush)
  return ta
}

// ---- views
function renderAnswers(): Array<Node> {
  if (!kit.questions.length) return [el("p", { text: "This kit has no questions." })]
  const parts: Array<Node> = []
  const nav = el("div", { class: "qnav" })
  const navButtons = kit.questions.map((q, i) =>
    nav.appendChild(
      el("button", {
        text: String(i + 1),
        title: q.id,
        "data-testid": `goto-${q.id}`,
        class: (questionDone(q) ? "done " : "") + (i === state.q ? "current" : ""),
        onclick: () => {
          state.q = i
          render()
        }
      })
    )
  )
  parts.push(nav)
  const q = kit.questions[state.q]!
  parts.push(el("div", { class: "who", text: `Question ${state.q + 1} of ${kit.questions.length} (${q.id})` }))
  parts.push(el("div", { class: "question", "data-testid": "question", text: q.question }))
  for (const a of q.answers) {
    const key = aKey(q.id, a.label)
    const r = state.answers.get(key) ?? { score: null, comment: "" }
    state.answers.set(key, r)
    const saved = el("span", { class: "saved" })
    parts.push(
      el("div", { class: "answer", "data-testid": `answer-${a.label}` }, [
        el("strong", { text: `Answer ${a.label}` }),
        el("div", { class: "text", text: a.text }),
        el("div", null, [
          el("span", { text: "Score 0–10: " }),
          scale(
            `score-${q.id}-${a.label}`,
            0,
            10,
            r.score,
            (v) => {
              r.score = v
              void saveAnswer(q.id, a.label, saved)
              refreshProgress()
              navButtons[state.q]!.className = (questionDone(q) ? "done " : "") + "current"
            },
            `score-${a.label}`
          ),
          saved
        ]),
        commentBox(
          r.comment,
          (text) => {
            r.comment = text
            void saveAnswer(q.id, a.label, saved)
          },
          `comment-${a.label}`
        )
      ])
    )
  }
  parts.push(
    el("div", { class: "pager" }, [
      el("button", {
        text: "← Previous",
        "data-testid": "prev",
        onclick: () => {
          if (state.q > 0) {
            state.q--
            render()
          }
        }
      }),
      el("button", {
        text: "Next →",
        "data-testid": "next",
        onclick: () => {
          if (state.q < kit.questions.length - 1) {
            state.q++
            render()
          }
        }
      })
    ])
  )
  return parts
}

function turnBlock(d: { readonly id: string }, t: number, turn: DialogueTurn): HTMLElement {
  const key = rKey(d.id, t)
  const r = state.replies.get(key) ?? { accuracy: null, doctorValue: null, patientSuitability: null, comment: "" }
  state.replies.set(key, r)
  const saved = el("span", { class: "saved" })
  const dims = DIMS.map(([dim, title]) =>
    el("div", { class: "dim" }, [
      el("span", { class: "name", text: `${title} (1–5):` }),
      scale(
        `r-${d.id}-${t}-${dim}`,
        1,
        5,
        r[dim],
        (v) => {
          r[dim] = v
          void saveReply(d.id, t, saved)
          refreshProgress()
        },
        `reply-${t}-${dim}`
      )
    ])
  )
  return el("div", { "data-testid": `turn-${t}` }, [
    el("div", { class: "turn user" }, [el("div", { class: "who", text: "User" }), el("div", { class: "text", text: turn.user })]),
    el("div", { class: "turn" }, [
      el("div", { class: "who", text: `Model reply ${t + 1}` }),
      el("div", { class: "text", text: turn.reply }),
      ...dims,
      saved,
      commentBox(
        r.comment,
        (text) => {
          r.comment = text
          void saveReply(d.id, t, saved)
        },
        `reply-${t}-comment`
      )
    ])
  ])
}

function renderDialogues(): Array<Node> {
  const ds = allDialogues().filter((d) => !d.live)
  if (!ds.length) return [el("p", { text: "This kit has no scripted conversations." })]
  if (state.d >= ds.length) state.d = 0
  const nav = el("div", { class: "qnav" })
  ds.forEach((d, i) => {
    const done = d.turns.every((_, t) => replyDone(d.id, t))
    nav.appendChild(
      el("button", {
        text: d.id,
        class: (done ? "done " : "") + (i === state.d ? "current" : ""),
        onclick: () => {
          state.d = i
          render()
        }
      })
    )
  })
  const d = ds[state.d]!
  return [nav, el("h3", { text: `Conversation ${d.id}` }), ...d.turns.map((turn, t) => turnBlock(d, t, turn))]
}

let currentLive: Conversation | null = null
function renderLive(): Array<Node> {
  const parts: Array<Node> = [
    el("button", {
      text: "Start a new conversation",
      "data-testid": "live-start",
      onclick: () => {
        api<{ readonly id: string }>("POST", "/api/live/start", { rater: state.rater }).then(
          (j) => {
            currentLive = { id: j.id, turns: [] }
            state.live.push(currentLive)
            render()
          },
          (e: unknown) => showError(messageOf(e))
        )
      }
    })
  ]
  if (!currentLive && state.live.length) currentLive = state.live[state.live.length - 1]!
  const conv = currentLive
  if (!conv) return parts
  parts.push(el("h3", { text: `Live conversation ${conv.id}` }))
  conv.turns.forEach((turn, t) => parts.push(turnBlock(conv, t, turn)))
  const input = el("textarea", { placeholder: "Your message", "data-testid": "live-input" })
  const sendBtn: HTMLButtonElement = el("button", {
    text: "Send",
    "data-testid": "live-send",
    onclick: () => {
      const msg = input.value
      if (!msg.trim()) return
      sendBtn.disabled = true
      showOk("Waiting for the model…")
      api<DialogueTurn>("POST", "/api/live/say", { rater: state.rater, dialogueId: conv.id, message: msg }).then(
        (j) => {
          conv.turns.push({ user: j.user, reply: j.reply })
          showOk("Reply received.")
          render()
        },
        (e: unknown) => {
          sendBtn.disabled = false
          showError(messageOf(e))
        }
      )
    }
  })
  parts.push(input, sendBtn)
  return parts
}

const progressHolder = el("div")
function refreshProgress(): void {
  progressHolder.replaceChildren(progressBlock())
}
function render(): void {
  flushers.forEach((f) => f())
  flushers = []
  const tabs = el("div", { class: "tabs" })
  const views: Array<readonly [View, string]> = [
    ["answers", `Answers (${kit.questions.length})`],
    ["dialogues", `Conversations (${kit.dialogues.length})`]
  ]
  if (boot.live) views.push(["live", "Live chat"])
  for (const [view, title] of views) {
    tabs.appendChild(
      el("button", {
        text: title,
        "data-testid": `tab-${view}`,
        class: state.view === view ? "active" : "",
        onclick: () => {
          state.view = view
          render()
        }
      })
    )
  }
  refreshProgress()
  const body = state.view === "answers" ? renderAnswers() : state.view === "dialogues" ? renderDialogues() : renderLive()
  root.replaceChildren(tabs, progressHolder, ...body)
}

function startRating(rater: string): void {
  state.rater = rater
  byId("rater").textContent = `Rater: ${rater}`
  api<SavedState>("GET", `/api/state?rater=${encodeURIComponent(rater)}`).then(
    (s) => {
      for (const r of s.answers) state.answers.set(aKey(r.questionId, r.label), { score: r.score, comment: r.comment })
      for (const r of s.replies)
        state.replies.set(rKey(r.dialogueId, r.turn), { accuracy: r.accuracy, doctorValue: r.doctorValue, patientSuitability: r.patientSuitability, comment: r.comment })
      state.live = s.live.map((d) => ({ id: d.id, turns: [...d.turns] }))
      // resume where this rater stopped
      const first = kit.questions.findIndex((q) => !questionDone(q))
      state.q = first < 0 ? 0 : first
      if (!kit.questions.length) state.view = "dialogues"
      render()
    },
    (e: unknown) => showError(`Cannot load ratings: ${messageOf(e)}`)
  )
}

function askName(): void {
  const input = el("input", { placeholder: "Your name", "data-testid": "rater-name" })
  input.value = localStorage.getItem("zaoji-rater") || ""
  const go = el("button", {
    text: "Start rating",
    "data-testid": "rater-start",
    onclick: () => {
      const n = input.value.trim()
      if (!n) return
      localStorage.setItem("zaoji-rater", n)
      const u = new URL(location.href)
      u.searchParams.set("rater", n)
      history.replaceState(null, "", u.toString())
      startRating(n)
    }
  })
  root.replaceChildren(el("p", { text: "Enter your name to start or resume rating." }), input, go)
}

// last, once every binding above is initialised
start()
