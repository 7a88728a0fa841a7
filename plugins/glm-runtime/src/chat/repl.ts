/**
 * The interactive terminal chat (`zaoji chat MODEL`): reads a line, streams the reply as it is
 * generated, and keeps the conversation as history. Commands: /reset (forget the history),
 * /history (show it), /exit (or end of input). Ctrl-C during a reply stops that reply only.
 */
import { createInterface } from "node:readline"
import type { Readable, Writable } from "node:stream"
import type { ChatMessage } from "../tokenizer/types.js"
import type { ChatEngine, SamplingOptions } from "./engine.js"
import { ChatInputError } from "./prompt.js"

export interface ChatReplOptions {
  readonly engine: ChatEngine
  readonly input?: Readable
  readonly output?: Writable
  readonly sampling?: SamplingOptions
  /** optional system message kept at the start of every conversation */
  readonly system?: string
  /** shown before each user line (default "用户> ") */
  readonly prompt?: string
  /** shown before each reply (default "<model id>> ") */
  readonly replyPrefix?: string
  /** greeting printed once (default a one-line help) */
  readonly banner?: string
}

export interface ChatReplResult {
  /** the conversation at exit (after the last /reset) */
  readonly history: ReadonlyArray<ChatMessage>
  readonly turns: number
}

export const runChatRepl = async (options: ChatReplOptions): Promise<ChatReplResult> => {
  const { engine } = options
  const input = options.input ?? process.stdin
  const output = options.output ?? process.stdout
  const write = (s: string): void => void output.write(s)
  const rl = createInterface({ input, output, terminal: (output as { isTTY?: boolean }).isTTY === true, prompt: options.prompt ?? "用户> " })
  const history: ChatMessage[] = []
  let turns = 0
  let current: AbortController | undefined
  rl.on("SIGINT", () => {
    if (current !== undefined) current.abort()
    else rl.close()
  })
  write(options.banner ?? `${engine.modelId}: type a message; /reset clears the history, /exit quits\n`)
  rl.prompt()
  for await (const line of rl) {
    const text = line.trim()
    if (text === "/exit" || text === "/quit") break
    if (text === "/reset") {
      history.length = 0
      write("(history cleared)\n")
      rl.prompt()
      continue
    }
    if (text === "/history") {
      for (const m of history) write(`${m.role}: ${m.content}\n`)
      rl.prompt()
      continue
    }
    if (text === "") {
      rl.prompt()
      continue
    }
    const messages: ChatMessage[] = [
      ...(options.system !== undefined ? [{ role: "system" as const, content: options.system }] : []),
      ...history,
      { role: "user", content: text }
    ]
    current = new AbortController()
    write(options.replyPrefix ?? `${engine.modelId}> `)
    try {
      const it = engine.chat({ ...options.sampling, messages, signal: current.signal })
      let r = await it.next()
      while (!r.done) {
        write(r.value)
        r = await it.next()
      }
      write("\n")
      history.push({ role: "user", content: text }, { role: "assistant", content: r.value.text })
      turns++
    } catch (e) {
      // an over-long conversation is a user-level problem: say so and keep the conversation going
      if (e instanceof ChatInputError) write(`\n(${e.message}; use /reset)\n`)
      else throw e
    } finally {
      current = undefined
    }
    rl.prompt()
  }
  rl.close()
  return { history, turns }
}
