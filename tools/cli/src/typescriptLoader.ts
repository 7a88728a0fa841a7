/**
 * Workflows (and the plugins they import from outside the build) are TypeScript. Run from the
 * sources, the CLI already runs under tsx; run from the build, tsx's loader is registered the first
 * time a workflow file is loaded (workflowFile.ts), so the commands that load none do not pay for it.
 * This module imports nothing: main.ts sets it up before any command is parsed.
 */

/** Called (through main.ts) by the bin when the CLI runs from the build: how to register the loader. */
export const registerTypeScriptOnDemand = (register: () => Promise<void>): void => {
  pending = register
}

/** Register the TypeScript loader if it is not yet (once per process). */
export const ensureTypeScript = async (): Promise<void> => {
  const register = pending
  pending = undefined
  if (register !== undefined) await register()
}

// internal

let pending: (() => Promise<void>) | undefined
