import { Command } from "@effect/cli"
// the module itself, not the package index: that would load an HTTP client and server on every start
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Effect, Exit, Fiber } from "effect"
import { outcomeOf, type Outcome } from "./exitCode.js"
import { commands } from "./registry.js"
import { toolVersion } from "./toolVersion.js"

/**
 * Run the CLI with `argv` (as process.argv) and resolve with the outcome; user mistakes are one
 * paragraph on stderr, never a stack trace. Ctrl-C interrupts the run so scopes release cleanly.
 */
export const runCli = async (argv: ReadonlyArray<string>): Promise<Outcome> => {
  const root = Command.make("zaoji").pipe(
    Command.withDescription("Zaoji (造极): declarative, resumable workflows for specialising GLM models"),
    Command.withSubcommands(commands as [any, ...any[]])
  )
  const cli = Command.run(root, { name: "zaoji", version: toolVersion() })
  const fiber = Effect.runFork(cli(argv).pipe(Effect.provide(NodeContext.layer)) as Effect.Effect<void, unknown>)
  let interrupts = 0
  const onSigint = () => {
    if (++interrupts > 1) process.exit(130) // a second Ctrl-C: stop waiting for cleanup
    process.stderr.write("\ninterrupting… (the store is left consistent; Ctrl-C again to quit at once)\n")
    Effect.runFork(Fiber.interrupt(fiber))
  }
  process.on("SIGINT", onSigint)
  process.on("SIGTERM", onSigint)
  const exit = await Effect.runPromise(Fiber.await(fiber))
  process.off("SIGINT", onSigint)
  process.off("SIGTERM", onSigint)
  const outcome = outcomeOf(exit as Exit.Exit<unknown, unknown>)
  if (outcome.message) process.stderr.write(`${outcome.tag === "RunFailed" ? "" : "error: "}${outcome.message}\n`)
  if (outcome.code !== 0 && argv.includes("--json") && outcome.tag !== "UsageError") {
    process.stdout.write(JSON.stringify({ type: "error", exitCode: outcome.code, error: outcome.tag, message: outcome.message, ...(outcome.issues ? { issues: outcome.issues } : {}) }) + "\n")
  }
  return outcome
}
