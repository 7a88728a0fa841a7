/**
 * Run a command's effect to its outcome, the same way whichever path parsed the command line
 * (@effect/cli in cli.ts, or the direct path in directRun.ts): Ctrl-C interrupts the run so scopes
 * release cleanly, a user mistake is one paragraph on stderr (never a stack trace), and with
 * `--json` a failure is also one JSON line on stdout.
 */
import { Effect, Exit, Fiber } from "effect"
import { outcomeOf, type Outcome } from "./exitCode.js"

export const runToOutcome = async (
  program: Effect.Effect<void, unknown>,
  argv: ReadonlyArray<string>,
  alreadyReported?: (e: unknown) => boolean
): Promise<Outcome> => {
  const fiber = Effect.runFork(program)
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
  const outcome = outcomeOf(exit as Exit.Exit<unknown, unknown>, alreadyReported)
  if (outcome.message) process.stderr.write(`${outcome.tag === "RunFailed" ? "" : "error: "}${outcome.message}\n`)
  if (outcome.code !== 0 && argv.includes("--json") && outcome.tag !== "UsageError") {
    process.stdout.write(JSON.stringify({ type: "error", exitCode: outcome.code, error: outcome.tag, message: outcome.message, ...(outcome.issues ? { issues: outcome.issues } : {}) }) + "\n")
  }
  return outcome
}
