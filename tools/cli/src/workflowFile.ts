import { loadWorkflowFile } from "@zaoji/core"
import { Effect } from "effect"
import { ensureTypeScript } from "./typescriptLoader.js"

/** `loadWorkflowFile` with the TypeScript loader in place first: what every command loads a workflow with. */
export const loadWorkflow = (file: string) => Effect.zipRight(Effect.promise(ensureTypeScript), loadWorkflowFile(file))
