/**
 * The entry the bin runs, from the build (tools/cli/dist/main.js) or from the sources under tsx.
 * From the build the bin passes `registerTypeScript`: tsx's loader is then registered only when a
 * command must import TypeScript, and `workflowBuild` lets workflows load through the compiled-workflow
 * cache (workflowCache.ts) instead. It also passes the build's argument table: a command line in its
 * plainest form then runs without loading @effect/cli (directRun.ts); any other goes to @effect/cli,
 * which is imported only then.
 */
import type { ArgTable } from "./argTable.js"
import { runDirect } from "./directRun.js"
import { registerTypeScriptOnDemand } from "./typescriptLoader.js"
import type { WorkflowBuild } from "./workflowCache.js"

export const main = async (
  options: { readonly registerTypeScript?: () => Promise<void>; readonly workflowBuild?: WorkflowBuild; readonly argTable?: ArgTable } = {}
): Promise<void> => {
  if (options.registerTypeScript) registerTypeScriptOnDemand(options.registerTypeScript, options.workflowBuild)
  const direct = options.argTable === undefined ? undefined : await runDirect(options.argTable, process.argv)
  const outcome = direct ?? (await (await import("./cli.js")).runCli(process.argv))
  process.exitCode = outcome.code
}
