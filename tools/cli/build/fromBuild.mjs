/**
 * A module hook, registered when the CLI runs from its build and loads a workflow: an import that
 * resolves to a bundled package's source entry (`@zaoji/core` → libs/core/src/index.ts, `effect`)
 * is answered with the bundled entry, so the workflow shares the CLI's module instances — one
 * engine, one effect — and loads no TypeScript of ours. Anything else (the workflow's own files,
 * a plugin written after the build, a package the workflow's folder brings) is left as resolved.
 */
let entries = {}

export const initialize = (data) => {
  entries = data.entries
}

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context)
  const bundled = entries[resolved.url]
  return bundled === undefined ? resolved : { ...resolved, url: bundled, format: "module" }
}
