/**
 * Workflows (and the plugins they import from outside the build) are TypeScript. Run from the
 * sources, the CLI already runs under tsx; run from the build, tsx's loader is registered the first
 * time a workflow file is loaded (workflowFile.ts), so the commands that load none do not pay for it.
 * This module imports nothing: main.ts sets it up before any command is parsed.
 */

/** Called (through main.ts) by the bin when the CLI runs from the build: how to register the loader. */
export const registerTypeScriptOnDemand = (register: () => Promise<void>): void => {
  pending = register
  registered = undefined
}

/**
 * Register the TypeScript loader if it is not yet (once per process). Every caller gets the same
 * promise, so a load that starts while the first registration is still under way waits for it
 * instead of importing a workflow before tsx can compile it.
 */
export const ensureTypeScript = (): Promise<void> => (registered ??= pending === undefined ? Promise.resolve() : pending())

// internal

let pending: (() => Promise<void>) | undefined
let registered: Promise<void> | undefined
