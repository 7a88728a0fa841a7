/**
 * Scripted dialogue evaluation: each script is a list of user messages (from a JSON Lines file of
 * the shared `Dialogue` schema: `{"id", "messages": [{"role", "content"}]}`). A model answers the
 * first message, then the second with the first exchange as history, and so on; the assistant
 * messages a script may contain are ignored (the model writes its own), system messages are kept
 * as the conversation's system prompt. The finished conversations go into the blind kit, where
 * raters score each reply 1–5 on accuracy, value to doctors and suitability for patients.
 */
import { Effect } from "effect"
import { InputError } from "@zaoji/core"
import { Dialogue, readRows } from "@zaoji/data"
import type { ChatMessage } from "@zaoji/glm-runtime"
import { historyMessages } from "../model/chatMessages.js"
import type { DialogueTurn } from "./kitFormat.js"

// dialogues and the evaluation's multi-turn QA lay out a conversation the same way
export { historyMessages }

export interface DialogueScript {
  readonly id: string
  readonly system: string | undefined
  /** the user messages, one per round */
  readonly turns: ReadonlyArray<string>
}

/**
 * Answers a batch of conversations, each ending with a user message; one reply per conversation.
 * Batched so that a model can decode several conversations at once.
 */
export type Responder = (conversations: ReadonlyArray<ReadonlyArray<ChatMessage>>) => Promise<ReadonlyArray<string>>

export const readDialogueScripts = (file: string, displayName = file): Effect.Effect<ReadonlyArray<DialogueScript>, InputError> =>
  Effect.gen(function* () {
    const read = yield* readRows(file, Dialogue, { displayName })
    const seen = new Map<string, number>()
    const scripts: Array<DialogueScript> = []
    for (let i = 0; i < read.rows.length; i++) {
      const row = read.rows[i]!
      const line = read.lines[i]!
      const where = `${displayName}:${line}`
      const before = seen.get(row.id)
      if (before !== undefined) {
        return yield* new InputError({ message: `${where}: id: duplicate dialogue id "${row.id}" (first at line ${before}); expected unique ids`, location: where })
      }
      seen.set(row.id, line)
      const turns = row.messages.filter((m) => m.role === "user").map((m) => m.content)
      if (turns.length === 0) {
        return yield* new InputError({ message: `${where}: messages: expected at least one message with role "user"`, location: where })
      }
      const system = row.messages.filter((m) => m.role === "system").map((m) => m.content)
      scripts.push({ id: row.id, system: system.length > 0 ? system.join("\n") : undefined, turns })
    }
    return scripts
  })

/**
 * Run every script with one model. Round r of all scripts still running is answered in one batch,
 * each conversation carrying its own history.
 */
export const runScriptedDialogues = async (
  scripts: ReadonlyArray<DialogueScript>,
  respond: Responder
): Promise<Array<{ readonly scriptId: string; readonly turns: ReadonlyArray<DialogueTurn> }>> => {
  const turns: Array<Array<DialogueTurn>> = scripts.map(() => [])
  const rounds = Math.max(0, ...scripts.map((s) => s.turns.length))
  for (let r = 0; r < rounds; r++) {
    const active = scripts.map((s, i) => [s, i] as const).filter(([s]) => r < s.turns.length)
    const conversations = active.map(([s, i]) => historyMessages(s.system, turns[i]!, s.turns[r]!))
    const replies = await respond(conversations)
    active.forEach(([s, i], k) => turns[i]!.push({ user: s.turns[r]!, reply: replies[k]! }))
  }
  return scripts.map((s, i) => ({ scriptId: s.id, turns: turns[i]! }))
}
