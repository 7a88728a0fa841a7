/**
 * Durable storage of human ratings in SQLite (better-sqlite3). Every rating is written in its own
 * transaction as it is entered (WAL, synchronous=FULL), so closing the page, killing the server or
 * losing power loses at most the rating being typed. A rating is keyed by rater and item, and saving
 * again replaces it, which is what makes rating resumable per rater.
 *
 * The database remembers a fingerprint of the kit it was made for and refuses another kit, so that
 * ratings can never be unblinded against the wrong mapping.
 */
import Database from "better-sqlite3"
import { createHash } from "node:crypto"
import { InputError, errorMessage } from "@zaoji/core"
import { ANSWER_SCORE_MAX, ANSWER_SCORE_MIN, REPLY_SCORE_MAX, REPLY_SCORE_MIN } from "./kitFormat.js"

export interface AnswerRating {
  readonly rater: string
  readonly questionId: string
  readonly label: string
  /** 0–10, or null when only a comment was entered so far */
  readonly score: number | null
  readonly comment: string
}

export interface ReplyRating {
  readonly rater: string
  /** a scripted conversation id from kit.json, or "live:<n>" */
  readonly dialogueId: string
  /** 0-based turn index */
  readonly turn: number
  readonly accuracy: number | null
  readonly doctorValue: number | null
  readonly patientSuitability: number | null
  readonly comment: string
}

export interface LiveDialogue {
  readonly id: string
  readonly rater: string
  /** hidden from the page; used only when unblinding */
  readonly model: string
  readonly turns: ReadonlyArray<{ readonly user: string; readonly reply: string }>
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS answer_ratings (
  rater TEXT NOT NULL, question_id TEXT NOT NULL, label TEXT NOT NULL,
  score INTEGER, comment TEXT NOT NULL DEFAULT '', updated_at TEXT NOT NULL,
  PRIMARY KEY (rater, question_id, label));
CREATE TABLE IF NOT EXISTS reply_ratings (
  rater TEXT NOT NULL, dialogue_id TEXT NOT NULL, turn INTEGER NOT NULL,
  accuracy INTEGER, doctor_value INTEGER, patient_suitability INTEGER,
  comment TEXT NOT NULL DEFAULT '', updated_at TEXT NOT NULL,
  PRIMARY KEY (rater, dialogue_id, turn));
CREATE TABLE IF NOT EXISTS live_dialogues (
  id TEXT PRIMARY KEY, rater TEXT NOT NULL, model TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS live_turns (
  dialogue_id TEXT NOT NULL, turn INTEGER NOT NULL, user TEXT NOT NULL, reply TEXT NOT NULL,
  PRIMARY KEY (dialogue_id, turn));
`

export const kitFingerprint = (kitJsonText: string): string => createHash("sha256").update(kitJsonText).digest("hex")

const checkScore = (value: number | null, min: number, max: number, field: string): void => {
  if (value === null) return
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InputError({ message: `${field}: expected an integer from ${min} to ${max}, got ${JSON.stringify(value)}`, location: field })
  }
}

export interface RatingsStore {
  readonly saveAnswerRating: (r: AnswerRating) => void
  readonly saveReplyRating: (r: ReplyRating) => void
  readonly answerRatings: (rater?: string) => ReadonlyArray<AnswerRating>
  readonly replyRatings: (rater?: string) => ReadonlyArray<ReplyRating>
  readonly raters: () => ReadonlyArray<string>
  readonly startLiveDialogue: (rater: string, model: string) => string
  readonly appendLiveTurn: (dialogueId: string, user: string, reply: string) => number
  readonly liveDialogues: (rater?: string) => ReadonlyArray<LiveDialogue>
  readonly close: () => void
}

/**
 * Open (creating if needed) the ratings database of a kit. `fingerprint` identifies the kit
 * (`kitFingerprint(kit.json text)`); a database made for another kit is refused.
 */
export const openRatingsStore = (path: string, fingerprint: string, options: { readonly readonly?: boolean } = {}): RatingsStore => {
  let db: Database.Database
  try {
    db = new Database(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false })
  } catch (e) {
    throw new InputError({ message: `cannot open ratings database ${path}: ${errorMessage(e)}`, location: path })
  }
  if (!options.readonly) {
    db.pragma("journal_mode = WAL")
    db.pragma("synchronous = FULL")
    db.pragma("busy_timeout = 5000")
    db.exec(SCHEMA)
    db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('kit_fingerprint', ?)").run(fingerprint)
  }
  const row = db.prepare("SELECT value FROM meta WHERE key = 'kit_fingerprint'").get() as { value: string } | undefined
  if (row !== undefined && row.value !== fingerprint) {
    db.close()
    throw new InputError({
      message: `${path}: these ratings belong to a different kit (kit.json changed after rating started); expected ratings of this kit`,
      location: path
    })
  }

  const now = () => new Date().toISOString()
  const upsertAnswer = db.prepare(`INSERT INTO answer_ratings (rater, question_id, label, score, comment, updated_at)
    VALUES (@rater, @questionId, @label, @score, @comment, @updatedAt)
    ON CONFLICT (rater, question_id, label) DO UPDATE SET score = excluded.score, comment = excluded.comment, updated_at = excluded.updated_at`)
  const upsertReply = db.prepare(`INSERT INTO reply_ratings (rater, dialogue_id, turn, accuracy, doctor_value, patient_suitability, comment, updated_at)
    VALUES (@rater, @dialogueId, @turn, @accuracy, @doctorValue, @patientSuitability, @comment, @updatedAt)
    ON CONFLICT (rater, dialogue_id, turn) DO UPDATE SET accuracy = excluded.accuracy, doctor_value = excluded.doctor_value,
      patient_suitability = excluded.patient_suitability, comment = excluded.comment, updated_at = excluded.updated_at`)

  const store: RatingsStore = {
    saveAnswerRating: (r) => {
      checkScore(r.score, ANSWER_SCORE_MIN, ANSWER_SCORE_MAX, "score")
      upsertAnswer.run({ ...r, updatedAt: now() })
    },
    saveReplyRating: (r) => {
      checkScore(r.accuracy, REPLY_SCORE_MIN, REPLY_SCORE_MAX, "accuracy")
      checkScore(r.doctorValue, REPLY_SCORE_MIN, REPLY_SCORE_MAX, "doctorValue")
      checkScore(r.patientSuitability, REPLY_SCORE_MIN, REPLY_SCORE_MAX, "patientSuitability")
      if (!Number.isInteger(r.turn) || r.turn < 0) throw new InputError({ message: `turn: expected a turn index ≥ 0, got ${r.turn}`, location: "turn" })
      upsertReply.run({ ...r, updatedAt: now() })
    },
    answerRatings: (rater) =>
      (rater === undefined
        ? db.prepare("SELECT * FROM answer_ratings ORDER BY rater, question_id, label").all()
        : db.prepare("SELECT * FROM answer_ratings WHERE rater = ? ORDER BY question_id, label").all(rater)
      ).map((r: any) => ({ rater: r.rater, questionId: r.question_id, label: r.label, score: r.score, comment: r.comment })),
    replyRatings: (rater) =>
      (rater === undefined
        ? db.prepare("SELECT * FROM reply_ratings ORDER BY rater, dialogue_id, turn").all()
        : db.prepare("SELECT * FROM reply_ratings WHERE rater = ? ORDER BY dialogue_id, turn").all(rater)
      ).map((r: any) => ({
        rater: r.rater,
        dialogueId: r.dialogue_id,
        turn: r.turn,
        accuracy: r.accuracy,
        doctorValue: r.doctor_value,
        patientSuitability: r.patient_suitability,
        comment: r.comment
      })),
    raters: () =>
      (db.prepare(`SELECT rater FROM answer_ratings UNION SELECT rater FROM reply_ratings
        UNION SELECT rater FROM live_dialogues ORDER BY rater`).all() as Array<{ rater: string }>).map((r) => r.rater),
    startLiveDialogue: db.transaction((rater: string, model: string): string => {
      const n = (db.prepare("SELECT COUNT(*) AS n FROM live_dialogues").get() as { n: number }).n
      const id = `live-${n + 1}`
      db.prepare("INSERT INTO live_dialogues (id, rater, model, created_at) VALUES (?, ?, ?, ?)").run(id, rater, model, now())
      return id
    }),
    appendLiveTurn: db.transaction((dialogueId: string, user: string, reply: string): number => {
      const n = (db.prepare("SELECT COUNT(*) AS n FROM live_turns WHERE dialogue_id = ?").get(dialogueId) as { n: number }).n
      db.prepare("INSERT INTO live_turns (dialogue_id, turn, user, reply) VALUES (?, ?, ?, ?)").run(dialogueId, n, user, reply)
      return n
    }),
    liveDialogues: (rater) => {
      const rows = (rater === undefined
        ? db.prepare("SELECT * FROM live_dialogues ORDER BY created_at, id").all()
        : db.prepare("SELECT * FROM live_dialogues WHERE rater = ? ORDER BY created_at, id").all(rater)) as Array<{ id: string; rater: string; model: string }>
      const turns = db.prepare("SELECT user, reply FROM live_turns WHERE dialogue_id = ? ORDER BY turn")
      return rows.map((r) => ({ id: r.id, rater: r.rater, model: r.model, turns: turns.all(r.id) as Array<{ user: string; reply: string }> }))
    },
    close: () => db.close()
  }
  return store
}
