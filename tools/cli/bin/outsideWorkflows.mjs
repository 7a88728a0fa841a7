/**
 * A module hook that lets a workflow live in a folder of its own, outside this repository: a bare
 * import that the workflow's folder cannot resolve (`@zaoji/core`, `effect`, a plugin) is resolved
 * from this installation instead, so the workflow shares the CLI's module instances. Whatever the
 * folder does resolve (its own node_modules) is left alone.
 */
const installation = new URL("../../../package.json", import.meta.url).href

const isBare = (specifier) => !/^(\.{1,2}\/|\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier)

export async function resolve(specifier, context, nextResolve) {
  try {
    return await nextResolve(specifier, context)
  } catch (e) {
    if (!isBare(specifier) || e?.code !== "ERR_MODULE_NOT_FOUND" || context.parentURL === installation) throw e
    return nextResolve(specifier, { ...context, parentURL: installation })
  }
}
