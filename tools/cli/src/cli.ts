import { Command, ValidationError } from "@effect/cli"
// the module itself, not the package index: that would load an HTTP client and server on every start
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Effect } from "effect"
import type { Outcome } from "./exitCode.js"
import { commands } from "./registry.js"
import { runToOutcome } from "./runOutcome.js"
import { toolVersion } from "./toolVersion.js"

/**
 * Run the CLI with `argv` (as process.argv) and resolve with the outcome; user mistakes are one
 * paragraph on stderr, never a stack trace. Ctrl-C interrupts the run so scopes release cleanly.
 */
export const runCli = (argv: ReadonlyArray<string>): Promise<Outcome> =>
  runToOutcome(cliProgram(argv), argv, ValidationError.isValidationError)

/** The command tree as @effect/cli runs it: `zaoji` with every command of the registry. */
export const rootCommand = () =>
  Command.make("zaoji").pipe(
    Command.withDescription("Zaoji (造极): declarative, resumable workflows for specialising GLM models"),
    Command.withSubcommands(commands as [any, ...any[]])
  )

/** `argv` (as process.argv) parsed and run by @effect/cli, on Node's platform services */
export const cliProgram = (argv: ReadonlyArray<string>): Effect.Effect<void, unknown> =>
  Command.run(rootCommand(), { name: "zaoji", version: toolVersion() })(argv).pipe(Effect.provide(NodeContext.layer)) as Effect.Effect<void, unknown>
