/**
 * The direct path: a command line that directArgs.ts parses from the build's argument table runs
 * its handler here, without @effect/cli; any other line returns undefined and goes to cli.ts.
 */
import type { ArgTable } from "./argTable.js"
import { parseDirect } from "./directArgs.js"
import type { Outcome } from "./exitCode.js"
import { directHandlers, type DirectCommand } from "./handlerModules.js"
import { runToOutcome } from "./runOutcome.js"

/** Run `argv` (as process.argv) directly if it parses from `table`, else resolve with undefined. */
export const runDirect = async (table: ArgTable, argv: ReadonlyArray<string>): Promise<Outcome | undefined> => {
  const parsed = parseDirect(table, argv.slice(2))
  if (parsed === undefined || !Object.hasOwn(directHandlers, parsed.command)) return undefined
  const handler = (await directHandlers[parsed.command as DirectCommand]()).default as (args: unknown) => Parameters<typeof runToOutcome>[0]
  return runToOutcome(handler(parsed.args), argv)
}
