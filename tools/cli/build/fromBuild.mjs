/**
 * A module hook, registered when the CLI runs from its build and loads a workflow: an import that
 * resolves to a bundled package's source entry (`@zaoji/core` → libs/core/src/index.ts, `effect`)
 * is answered with the bundled entry, so the workflow shares the CLI's module instances — one
 * engine, one effect — and loads no TypeScript of ours. Anything else (the workflow's own files,
 * a plugin written after the build, a package the workflow's folder brings) is left as resolved.
 *
 * Registered last, so it runs first: an import from one bundled file of another (a chunk, a
 * package's entry) or of a Node module is answered at once, without the other hooks (tsx's
 * resolution tries extensions and reads tsconfig files), which loading a workflow's plugins from
 * the build does dozens of times.
 */
let entries = {}
let dist = ""

export const initialize = (data) => {
  entries = data.entries
  dist = data.dist ?? ""
}

export async function resolve(specifier, context, nextResolve) {
  if (specifier.startsWith("node:")) return { url: specifier, shortCircuit: true }
  if (dist !== "" && context.parentURL?.startsWith(dist) && specifier.startsWith("./")) return { url: new URL(specifier, context.parentURL).href, shortCircuit: true }
  const resolved = await nextResolve(specifier, context)
  const bundled = entries[resolved.url]
  return bundled === undefined ? resolved : { ...resolved, url: bundled, format: "module" }
}
