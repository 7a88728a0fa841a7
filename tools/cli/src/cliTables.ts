/**
 * What the build saves beside the bundled CLI (dist/cli.json), read by the bin on every start:
 *
 * - `help`: the text of every help and version line (`zaoji`, `--help`, `-h`, `--version`, and
 *   `<command> --help` / `-h` for every command and subcommand), as @effect/cli prints it. The bin
 *   prints one of these without loading the CLI at all. It is rendered here by the CLI itself, so
 *   it cannot differ from the live text; it is rebuilt with the build, which is not run once any
 *   source (or the version in @zaoji/core's package.json) changes.
 * - `args`: the argument table (argTable.ts) of the commands the direct path may run.
 *
 * Built by tools/cli/build/build.mjs from the bundle it has just made (the `cli-tables` entry).
 */
import { Command } from "@effect/cli"
import { Effect, HashMap, HashSet } from "effect"
import { Console } from "node:console"
import { Writable } from "node:stream"
import { describeConfig, type ArgTable, type CommandTable } from "./argTable.js"
import { cliProgram } from "./cli.js"
import { config as inspect } from "./commands/inspect.js"
import { config as plan } from "./commands/plan.js"
import { config as report } from "./commands/report.js"
import { config as runs } from "./commands/runs.js"
import { config as status } from "./commands/status.js"
import type { DirectCommand } from "./handlerModules.js"
import { commands } from "./registry.js"

export interface CliTables {
  /** the command line after `zaoji`, its words joined by a NUL → what it prints on stdout (exit code 0, nothing on stderr) */
  readonly help: Readonly<Record<string, string>>
  readonly args: ArgTable
}

/** the configs of the commands in handlerModules.ts's `directHandlers` (one each: the compiler checks) */
export const directConfigs: Readonly<Record<DirectCommand, Readonly<Record<string, unknown>>>> = { inspect, plan, report, runs, status }

/** The key of a command line (without node and the script) in `CliTables.help`. */
export const helpKey = (argv: ReadonlyArray<string>): string => argv.join("\u0000")

/** Every help form, rendered by running the CLI on it; and the argument table. */
export const makeCliTables = async (): Promise<CliTables> => {
  const help: Record<string, string> = {}
  for (const form of helpForms()) help[helpKey(form)] = await printed(form)
  return { help, args: directArgTable() }
}

/** The argument table of the commands in `directConfigs`. */
export const directArgTable = (): ArgTable => {
  const args: Record<string, CommandTable> = {}
  for (const [name, config] of Object.entries(directConfigs)) {
    const table = describeConfig(config)
    // a direct command the table cannot describe is a mistake in this repository, not a user's
    if ("unsupported" in table) throw new Error(`zaoji ${name}: its options cannot be parsed directly (${table.unsupported}); remove it from directHandlers or use a plain option shape`)
    args[name] = table
  }
  return args
}

/** the help and version command lines of the command tree */
export const helpForms = (): ReadonlyArray<ReadonlyArray<string>> => {
  const forms: string[][] = [[], ["--help"], ["-h"], ["--version"]]
  for (const command of commands) {
    for (const name of HashSet.values(Command.getNames(command))) {
      forms.push([name, "--help"], [name, "-h"])
      for (const sub of HashMap.keys(Command.getSubcommands(command))) if (sub !== name) forms.push([name, sub, "--help"], [name, sub, "-h"])
    }
  }
  return forms
}

// internal

/**
 * what `zaoji ...form` prints on stdout, run in this process; anything but a clean exit is an error.
 * @effect/cli prints through the global console (Effect's default Console service looks it up on
 * every call), so a console writing into strings stands in for it meanwhile.
 */
const printed = async (form: ReadonlyArray<string>): Promise<string> => {
  let out = ""
  let err = ""
  const collect = (add: (s: string) => void) => new Writable({ write: (chunk, _encoding, done) => (add(String(chunk)), done()) })
  const original = globalThis.console
  globalThis.console = new Console({ stdout: collect((s) => (out += s)), stderr: collect((s) => (err += s)) })
  try {
    await Effect.runPromise(cliProgram(["node", "zaoji", ...form]))
  } catch (e) {
    err += String(e)
  } finally {
    globalThis.console = original
  }
  if (err !== "") throw new Error(`zaoji ${form.join(" ")} printed on stderr: ${err}`)
  return out
}
