/** Names a generator accepts, and the identifiers derived from them. */

const NAME = /^[a-z][a-z0-9-]*$/

/** why `name` is not a valid specialty/plugin name, or undefined when it is */
export const nameProblem = (kind: string, name: string): string | undefined =>
  NAME.test(name) && !name.endsWith("-") && !name.includes("--")
    ? undefined
    : `"${name}" is not a valid ${kind} name: expected lowercase letters, digits and single '-' inside, starting with a letter (e.g. cardiology, my-plugin)`

/** my-plugin → MyPlugin (the plugin's namespace object) */
export const pascalCase = (name: string): string =>
  name
    .split("-")
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join("")
