/**
 * Workflows (and the plugins they import from outside the build) are TypeScript. Run from the
 * sources, the CLI already runs under tsx; run from the build, workflows load through the
 * compiled-workflow cache (workflowCache.ts) and tsx's loader is registered only when something
 * TypeScript must still be imported as such (workflowFile.ts), so most commands never pay for it.
 * This module imports nothing: main.ts sets it up before any command is parsed.
 */
import type { WorkflowBuild } from "./workflowCache.js"

/** Called (through main.ts) by the bin when the CLI runs from the build: how to register the loader. */
export const registerTypeScriptOnDemand = (register: () => Promise<void>, build?: WorkflowBuild): void => {
  pending = register
  registered = undefined
  fromBuild = build
}

/**
 * Register the TypeScript loader if it is not yet (once per process). Every caller gets the same
 * promise, so a load that starts while the first registration is still under way waits for it
 * instead of importing a workflow before tsx can compile it.
 */
export const ensureTypeScript = (): Promise<void> => (registered ??= pending === undefined ? Promise.resolve() : pending())

/** The build the CLI runs from, when workflows may load through the compiled-workflow cache. */
export const workflowBuild = (): WorkflowBuild | undefined => fromBuild

// internal

let pending: (() => Promise<void>) | undefined
let registered: Promise<void> | undefined
let fromBuild: WorkflowBuild | undefined
