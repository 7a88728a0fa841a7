/**
 * Producing a blind kit's content from models: each model answers every question (single-turn
 * chat) and plays every dialogue script. Each finished answer batch and each model's dialogues are
 * persisted in the stage checkpoint, so an interrupted stage resumes without redoing them.
 */
import { Effect } from "effect"
import { PermanentError, type Checkpoint, type Progress, errorMessage } from "@zaoji/core"
import { makeBlindKit, type BlindKit, type BlindQuestion, type ModelConversation } from "./blindKit.js"
import { runScriptedDialogues, type DialogueScript, type Responder } from "./dialogue.js"
import type { DialogueTurn } from "./kitFormat.js"

export interface KitModel {
  readonly name: string
  /** acquired when the model's turn comes and released after it, so one model is in memory at a time */
  readonly responder: Effect.Effect<Responder, PermanentError, import("effect").Scope.Scope>
}

export interface KitAnswersInput {
  readonly questions: ReadonlyArray<Required<BlindQuestion>>
  readonly scripts: ReadonlyArray<DialogueScript>
  readonly models: ReadonlyArray<KitModel>
  readonly seed: number
  readonly title: string
  /** questions answered per generation call (and per checkpoint write) */
  readonly batchSize: number
}

const failed = (what: string) => (e: unknown) =>
  new PermanentError({ message: `${what}: ${errorMessage(e)}`, cause: e })

export const produceBlindKit = (
  input: KitAnswersInput,
  ctx: { readonly checkpoint: Checkpoint; readonly progress: Progress }
): Effect.Effect<BlindKit, PermanentError> =>
  Effect.gen(function* () {
    const total = input.models.length * (input.questions.length + input.scripts.length)
    let done = 0
    const answers: Record<string, Array<string>> = {}
    const conversations: Array<ModelConversation> = []
    for (const m of input.models) {
      // what an earlier attempt already finished for this model
      const known = new Map<string, string>()
      for (const q of input.questions) {
        const v = yield* ctx.checkpoint.getItem(`answer/${m.name}/${q.id}`)
        if (typeof v === "string") known.set(q.id, v)
      }
      const savedDialogues = input.scripts.length === 0 ? [] : yield* ctx.checkpoint.getItem(`dialogues/${m.name}`)
      const needsModel = known.size < input.questions.length || !Array.isArray(savedDialogues)

      yield* Effect.scoped(
        Effect.gen(function* () {
          const respond = needsModel ? yield* m.responder : undefined
          const todo = input.questions.filter((q) => !known.has(q.id))
          done += input.questions.length - todo.length
          for (let i = 0; i < todo.length; i += input.batchSize) {
            const batch = todo.slice(i, i + input.batchSize)
            const replies = yield* Effect.tryPromise({
              try: () => respond!(batch.map((q) => [{ role: "user" as const, content: q.question }])),
              catch: failed(`model "${m.name}" failed to answer`)
            })
            for (let k = 0; k < batch.length; k++) {
              known.set(batch[k]!.id, replies[k]!)
              yield* ctx.checkpoint.putItem(`answer/${m.name}/${batch[k]!.id}`, replies[k]!)
            }
            done += batch.length
            yield* ctx.progress.report(done, total, "items", { model: m.name })
          }
          let dialogues = savedDialogues as ReadonlyArray<{ readonly scriptId: string; readonly turns: ReadonlyArray<DialogueTurn> }> | undefined
          if (input.scripts.length > 0 && !Array.isArray(dialogues)) {
            dialogues = yield* Effect.tryPromise({
              try: () => runScriptedDialogues(input.scripts, respond!),
              catch: failed(`model "${m.name}" failed in a scripted dialogue`)
            })
            yield* ctx.checkpoint.putItem(`dialogues/${m.name}`, dialogues)
          }
          done += input.scripts.length
          yield* ctx.progress.report(done, total, "items", { model: m.name })
          for (const d of dialogues ?? []) conversations.push({ scriptId: d.scriptId, model: m.name, turns: d.turns })
        })
      )
      answers[m.name] = input.questions.map((q) => known.get(q.id)!)
    }
    return yield* Effect.try({
      try: () => makeBlindKit({ questions: input.questions, answers, conversations, seed: input.seed, title: input.title }),
      catch: failed("cannot assemble the blind kit")
    })
  })
