import { Effect } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { InputError } from "./errors.js"
import { isWorkflow, type Workflow } from "./Workflow.js"
import { errorMessage } from "./errorMessage.js"

/**
 * Import a `*.workflow.ts` file (the process must be able to import TypeScript, e.g. under tsx) and
 * return its default export. Every way this can go wrong is the user's file, so it is an InputError.
 * `importUrl`: a module compiled from the file to import instead of the file itself (the CLI's
 * workflow cache); the checks and the errors stay the file's.
 */
export const loadWorkflowFile = (
  file: string,
  options: { readonly importUrl?: string } = {}
): Effect.Effect<{ workflow: Workflow; file: string; baseDir: string }, InputError> =>
  Effect.gen(function* () {
    const abs = path.resolve(file)
    if (!fs.existsSync(abs)) {
      return yield* Effect.fail(new InputError({ message: `workflow file ${file} does not exist`, location: file }))
    }
    const scope = moduleScopeOf(path.dirname(abs))
    if (/\.ts$/.test(abs) && scope.type !== "module") {
      // without this, Node reads the file as CommonJS and fails with a require(esm) error that names no cause
      const where = scope.packageJson === undefined ? `no package.json above ${path.dirname(abs)}` : `${scope.packageJson} has no "type": "module"`
      return yield* Effect.fail(
        new InputError({
          message: `workflow file ${file} would be read as CommonJS (${where}); workflows are ES modules: put a package.json containing {"type": "module"} in its folder`,
          location: file
        })
      )
    }
    const mod = yield* Effect.tryPromise({
      try: () => import(options.importUrl ?? pathToFileURL(abs).href) as Promise<{ default?: unknown }>,
      catch: (e) =>
        new InputError({
          message: `workflow file ${file} could not be loaded: ${firstLine(e)}`,
          location: file
        })
    })
    if (!isWorkflow(mod.default)) {
      return yield* Effect.fail(
        new InputError({
          message: `workflow file ${file} must have a default export made with Workflow.make(name, (w) => …)`,
          location: file
        })
      )
    }
    return { workflow: mod.default, file: abs, baseDir: path.dirname(abs) }
  })

const firstLine = (e: unknown): string => {
  const msg = errorMessage(e)
  return msg.split("\n").slice(0, 3).join(" ").trim()
}

/** The package.json that decides how Node reads `.ts`/`.js` files in `dir`, and its "type". */
export const moduleScopeOf = (dir: string): { readonly packageJson: string | undefined; readonly type: string } => {
  for (let d = dir; ; d = path.dirname(d)) {
    const pj = path.join(d, "package.json")
    if (fs.existsSync(pj)) {
      try {
        const type = (JSON.parse(fs.readFileSync(pj, "utf8")) as { type?: unknown }).type
        return { packageJson: pj, type: type === "module" ? "module" : "commonjs" }
      } catch {
        return { packageJson: pj, type: "commonjs" }
      }
    }
    if (path.dirname(d) === d) return { packageJson: undefined, type: "commonjs" }
  }
}
