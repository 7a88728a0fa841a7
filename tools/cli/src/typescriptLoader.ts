/**
 * Workflows (and the plugins they import from outside the build) are TypeScript. Run from the
 * sources, the CLI already runs under tsx; run from the build, tsx's loader is registered the first
 * time a workflow file is loaded, so the commands that load none do not pay for it.
 */
import { loadWorkflowFile } from "@zaoji/core"
import { Effect } from "effect"

/** Called by the bin when the CLI runs from the build: how to register the TypeScript loader. */
export const registerTypeScriptOnDemand = (register: () => Promise<void>): void => {
  pending = register
}

/** Register the TypeScript loader if it is not yet (once per process). */
export const ensureTypeScript: Effect.Effect<void> = Effect.promise(async () => {
  const register = pending
  pending = undefined
  if (register !== undefined) await register()
})

/** `loadWorkflowFile` with the TypeScript loader in place first. */
export const loadWorkflow = (file: string) => Effect.zipRight(ensureTypeScript, loadWorkflowFile(file))

// internal

let pending: (() => Promise<void>) | undefined
