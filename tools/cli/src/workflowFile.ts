import { loadWorkflowFile } from "@zaoji/core"
import { Effect } from "effect"
import * as fs from "node:fs"
import { ensureTypeScript, workflowBuild } from "./typescriptLoader.js"
import { compiledWorkflow } from "./workflowCache.js"

/**
 * `loadWorkflowFile` from a module compiled by the workflow cache when the CLI runs from its build
 * (no TypeScript loader registered), else with the TypeScript loader in place first: what every
 * command loads a workflow with. A workflow the cache cannot compile loads under tsx, as it always
 * could, with a line on stderr saying why.
 */
export const loadWorkflow = (file: string) =>
  Effect.flatMap(Effect.promise(() => compiledOrTypeScript(file)), (importUrl) => loadWorkflowFile(file, importUrl === undefined ? {} : { importUrl }))

/**
 * `loadWorkflow` for a command that runs stages (`run`, a cluster runner): the TypeScript loader is
 * registered as well, since a stage's run may import TypeScript sources when it runs (a training
 * engine's program module, which its workers import by file URL; a plugin's run outside the build).
 */
export const loadWorkflowToRun = (file: string) => Effect.zipLeft(loadWorkflow(file), Effect.promise(ensureTypeScript))

// internal

const compiledOrTypeScript = async (file: string): Promise<string | undefined> => {
  const build = workflowBuild()
  // a missing file is loadWorkflowFile's error to give
  if (build !== undefined && fs.existsSync(file)) {
    const compiled = await compiledWorkflow(file, build, importTypeScript)
    if ("url" in compiled) return compiled.url
    process.stderr.write(`note: ${file} loads through TypeScript's loader (slower): the workflow cache could not compile it: ${compiled.reason}\n`)
  }
  await ensureTypeScript()
  return undefined
}

const importTypeScript = (url: string) => ensureTypeScript().then(() => import(url))
