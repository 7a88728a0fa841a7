/**
 * The entry the bin runs, from the build (tools/cli/dist/main.js) or from the sources under tsx.
 * From the build the bin passes `registerTypeScript`: tsx's loader is then registered only when a
 * command loads a workflow file.
 */
import { runCli } from "./cli.js"
import { registerTypeScriptOnDemand } from "./typescriptLoader.js"

export const main = async (options: { readonly registerTypeScript?: () => Promise<void> } = {}): Promise<void> => {
  if (options.registerTypeScript) registerTypeScriptOnDemand(options.registerTypeScript)
  const outcome = await runCli(process.argv)
  process.exitCode = outcome.code
}
