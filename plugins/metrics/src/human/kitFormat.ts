/**
 * The files of a human-evaluation kit.
 *
 *   <kit dir>/kit.json       what raters see: questions with anonymous answers (labels A, B, …)
 *                            and scripted conversations under anonymous labels. No model names.
 *   mapping.json             label → model per question and conversation id → model. Written
 *                            OUTSIDE the kit folder (beside it) by the stage, so the kit folder can
 *                            be handed to raters; the rating server never reads it.
 *   <kit dir>/ratings.sqlite the ratings (see ratingsStore.ts), unless another path is given.
 */
import { Schema } from "effect"

export const KIT_FORMAT = "zaoji-human-kit"
export const MAPPING_FORMAT = "zaoji-human-kit-mapping"

export const KitAnswer = Schema.Struct({ label: Schema.String, text: Schema.String })

export const KitQuestion = Schema.Struct({
  id: Schema.String,
  question: Schema.String,
  /** in the shuffled order raters see them */
  answers: Schema.Array(KitAnswer)
})
export type KitQuestion = typeof KitQuestion.Type

export const DialogueTurn = Schema.Struct({ user: Schema.String, reply: Schema.String })
export type DialogueTurn = typeof DialogueTurn.Type

export const KitDialogue = Schema.Struct({
  /** anonymous conversation id, e.g. "d1-B"; the model behind it is in mapping.json */
  id: Schema.String,
  /** the script the conversation followed */
  scriptId: Schema.String,
  label: Schema.String,
  turns: Schema.Array(DialogueTurn)
})
export type KitDialogue = typeof KitDialogue.Type

export const Kit = Schema.Struct({
  format: Schema.Literal(KIT_FORMAT),
  version: Schema.Literal(1),
  title: Schema.String,
  questions: Schema.Array(KitQuestion),
  dialogues: Schema.Array(KitDialogue)
})
export type Kit = typeof Kit.Type

export const KitMapping = Schema.Struct({
  format: Schema.Literal(MAPPING_FORMAT),
  version: Schema.Literal(1),
  seed: Schema.Number,
  models: Schema.Array(Schema.String),
  /** question id → (label → model) */
  questions: Schema.Record({ key: Schema.String, value: Schema.Record({ key: Schema.String, value: Schema.String }) }),
  /** conversation id → model */
  dialogues: Schema.Record({ key: Schema.String, value: Schema.String })
})
export type KitMapping = typeof KitMapping.Type

/** rating scales: blind answers 0–10, dialogue replies 1–5 on three dimensions */
export const ANSWER_SCORE_MIN = 0
export const ANSWER_SCORE_MAX = 10
export const REPLY_SCORE_MIN = 1
export const REPLY_SCORE_MAX = 5
export const REPLY_DIMENSIONS = ["accuracy", "doctorValue", "patientSuitability"] as const
export type ReplyDimension = (typeof REPLY_DIMENSIONS)[number]
export const REPLY_DIMENSION_TITLES: Record<ReplyDimension, string> = {
  accuracy: "Accuracy",
  doctorValue: "Value to doctors",
  patientSuitability: "Suitability for patients"
}
