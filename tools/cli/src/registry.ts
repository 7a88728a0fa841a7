/**
 * The command registry: every file in ./commands default-exports one @effect/cli Command, so a new
 * command (chat, serve, export, rate, …) is one new file. Commands should import heavy modules
 * (models, tfjs) lazily inside their handler so that `zaoji plan` stays fast.
 */
import type { Command } from "@effect/cli"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

export type AnyCommand = Command.Command<string, any, any, any>

const commandsDir = path.join(path.dirname(fileURLToPath(import.meta.url)), "commands")

export const loadCommands = async (): Promise<ReadonlyArray<AnyCommand>> => {
  const files = fs
    .readdirSync(commandsDir)
    .filter((f) => /\.(ts|mts|js|mjs)$/.test(f) && !/\.(test|d)\.[mc]?[tj]s$/.test(f))
    .sort()
  const out: AnyCommand[] = []
  for (const f of files) {
    const mod = (await import(pathToFileURL(path.join(commandsDir, f)).href)) as { default?: AnyCommand }
    if (!mod.default) throw new Error(`tools/cli/src/commands/${f} has no default export (expected an @effect/cli Command)`)
    out.push(mod.default)
  }
  return out
}
