/**
 * The entry the bin runs, from the build (tools/cli/dist/main.js) or from the sources under tsx.
 * From the build the bin passes `registerTypeScript`: tsx's loader is then registered only when a
 * command must import TypeScript, and `workflowBuild` lets workflows load through the compiled-workflow
 * cache (workflowCache.ts) instead.
 */
import { runCli } from "./cli.js"
import { registerTypeScriptOnDemand } from "./typescriptLoader.js"
import type { WorkflowBuild } from "./workflowCache.js"

export const main = async (
  options: { readonly registerTypeScript?: () => Promise<void>; readonly workflowBuild?: WorkflowBuild } = {}
): Promise<void> => {
  if (options.registerTypeScript) registerTypeScriptOnDemand(options.registerTypeScript, options.workflowBuild)
  const outcome = await runCli(process.argv)
  process.exitCode = outcome.code
}
