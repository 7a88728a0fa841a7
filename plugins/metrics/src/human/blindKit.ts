/**
 * Blind comparison kit: answers of N models to the same questions, shuffled and anonymised per
 * question with a seed, and scripted conversations under anonymous labels. The label → model mapping
 * is returned separately so that it can be stored away from what raters see.
 */
import { join } from "node:path"
import { InputError } from "@zaoji/core"
import { KIT_FORMAT, MAPPING_FORMAT, type DialogueTurn, type Kit, type KitDialogue, type KitMapping, type KitQuestion } from "./kitFormat.js"
import { keyedRandom, shuffled } from "./seededRandom.js"
import { writeJsonAtomic } from "./files.js"

export interface BlindQuestion {
  readonly id?: string
  readonly question: string
}

/** one finished scripted conversation of one model */
export interface ModelConversation {
  readonly scriptId: string
  readonly model: string
  readonly turns: ReadonlyArray<DialogueTurn>
}

export interface BlindKitInput {
  readonly questions: ReadonlyArray<BlindQuestion | string>
  /** model name → its answers, in question order */
  readonly answers: Readonly<Record<string, ReadonlyArray<string>>>
  readonly conversations?: ReadonlyArray<ModelConversation>
  readonly seed: number
  readonly title?: string
}

export interface BlindKit {
  readonly kit: Kit
  readonly mapping: KitMapping
}

/** A, B, …, Z, AA, AB, … */
export const labelOf = (index: number): string => {
  let s = ""
  let i = index
  do {
    s = String.fromCharCode(65 + (i % 26)) + s
    i = Math.floor(i / 26) - 1
  } while (i >= 0)
  return s
}

export const makeBlindKit = (input: BlindKitInput): BlindKit => {
  const models = Object.keys(input.answers)
  const conversations = input.conversations ?? []
  if (models.length === 0 && conversations.length === 0) {
    throw new InputError({ message: "blind kit: no models given (expected at least one entry in `answers`)", location: "answers" })
  }
  const questions = input.questions.map((q, i) => (typeof q === "string" ? { id: `q${i + 1}`, question: q } : { id: q.id ?? `q${i + 1}`, question: q.question }))
  const seen = new Set<string>()
  questions.forEach((q, i) => {
    if (seen.has(q.id)) throw new InputError({ message: `blind kit: duplicate question id "${q.id}" at questions[${i}] (ids must be unique)`, location: `questions[${i}].id` })
    seen.add(q.id)
  })
  for (const model of models) {
    const n = input.answers[model]!.length
    if (n !== questions.length) {
      throw new InputError({
        message: `blind kit: model "${model}" has ${n} answers, expected one per question (${questions.length})`,
        location: `answers.${model}`
      })
    }
  }

  const kitQuestions: Array<KitQuestion> = []
  const questionMapping: Record<string, Record<string, string>> = {}
  questions.forEach((q, qi) => {
    // each question gets its own stream, so adding a question does not reshuffle the others
    const order = shuffled(models, keyedRandom(input.seed, `question:${q.id}`))
    const labels: Record<string, string> = {}
    kitQuestions.push({
      id: q.id,
      question: q.question,
      answers: order.map((model, i) => {
        labels[labelOf(i)] = model
        return { label: labelOf(i), text: input.answers[model]![qi]! }
      })
    })
    questionMapping[q.id] = labels
  })

  const kitDialogues: Array<KitDialogue> = []
  const dialogueMapping: Record<string, string> = {}
  const byScript = new Map<string, Array<ModelConversation>>()
  for (const c of conversations) {
    const list = byScript.get(c.scriptId) ?? []
    if (list.some((o) => o.model === c.model)) {
      throw new InputError({ message: `blind kit: two conversations of model "${c.model}" for script "${c.scriptId}"`, location: `conversations` })
    }
    list.push(c)
    byScript.set(c.scriptId, list)
  }
  for (const [scriptId, list] of byScript) {
    const order = shuffled(list, keyedRandom(input.seed, `dialogue:${scriptId}`))
    order.forEach((c, i) => {
      const id = `${scriptId}-${labelOf(i)}`
      kitDialogues.push({ id, scriptId, label: labelOf(i), turns: c.turns.map((t) => ({ user: t.user, reply: t.reply })) })
      dialogueMapping[id] = c.model
    })
  }

  const allModels = [...new Set([...models, ...conversations.map((c) => c.model)])]
  return {
    kit: { format: KIT_FORMAT, version: 1, title: input.title ?? "Blind comparison", questions: kitQuestions, dialogues: kitDialogues },
    mapping: { format: MAPPING_FORMAT, version: 1, seed: input.seed, models: allModels, questions: questionMapping, dialogues: dialogueMapping }
  }
}

export const KIT_FILE = "kit.json"
export const MAPPING_FILE = "mapping.json"

/**
 * Write `kitDir/kit.json` and the mapping (by default `mapping.json` beside the kit folder, so the
 * kit folder alone can be given to raters without revealing the models).
 */
export const writeBlindKit = (
  kitDir: string,
  kit: BlindKit,
  mappingPath: string = join(kitDir, "..", MAPPING_FILE)
): { readonly kitFile: string; readonly mappingFile: string } => {
  const kitFile = join(kitDir, KIT_FILE)
  writeJsonAtomic(mappingPath, kit.mapping)
  writeJsonAtomic(kitFile, kit.kit)
  return { kitFile, mappingFile: mappingPath }
}
