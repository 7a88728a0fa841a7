import type { ChatMessage } from "@zaoji/glm-runtime"

/** the chat messages for answering `message` after the given exchanges (and an optional system message) */
export const historyMessages = (
  system: string | undefined,
  history: ReadonlyArray<{ readonly user: string; readonly reply: string }>,
  message: string
): Array<ChatMessage> => [
  ...(system === undefined ? [] : [{ role: "system" as const, content: system }]),
  ...history.flatMap((t) => [
    { role: "user" as const, content: t.user },
    { role: "assistant" as const, content: t.reply }
  ]),
  { role: "user" as const, content: message }
]
