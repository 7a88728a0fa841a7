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
