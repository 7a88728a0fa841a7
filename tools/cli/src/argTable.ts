/**
 * The argument table: what the direct path (directArgs.ts) needs to know about a command's options
 * and arguments, read off its @effect/cli descriptor when the CLI is built (cliTables.ts) and saved
 * as JSON beside the build. The descriptors stay the one definition of every option; this only
 * records their names, value types and defaults.
 *
 * Only the shapes the direct path can parse exactly are recorded: a plain value, a flag,
 * `Options.optional`, `Options.withDefault` of a JSON value, `Options.repeated`, and the same for
 * arguments. A command using anything else is left out and always parses through @effect/cli.
 * tools/cli/test/directArgs.test.ts checks, on generated command lines, that whatever the direct
 * path accepts @effect/cli parses to the same values.
 */

/** what a value must look like, as @effect/cli's primitive types say */
export type ValueType =
  | { readonly kind: "text" }
  | { readonly kind: "integer" }
  | { readonly kind: "float" }
  | { readonly kind: "choice"; readonly values: ReadonlyArray<string> }
  | { readonly kind: "path"; readonly pathType: "file" | "directory" | "either"; readonly exists: "yes" | "no" | "either" }

export type JsonValue = string | number | boolean

export interface OptionEntry {
  /** the key in the command's config, i.e. in the handler's arguments */
  readonly key: string
  /** `--name` and its aliases (`-w`) */
  readonly names: ReadonlyArray<string>
  /** flag: a boolean, false unless given · one: required · optional: an Option · default: `fallback` unless given · repeated: an array */
  readonly mode: "flag" | "one" | "optional" | "default" | "repeated"
  readonly type?: ValueType
  readonly fallback?: JsonValue
}

export interface ArgEntry {
  readonly key: string
  readonly mode: "one" | "optional" | "repeated"
  readonly type: ValueType
}

export interface CommandTable {
  readonly options: ReadonlyArray<OptionEntry>
  readonly args: ReadonlyArray<ArgEntry>
}

export type ArgTable = Readonly<Record<string, CommandTable>>

/** The table of one command's config (the object given to `Command.make`), or why it has none. */
export const describeConfig = (config: Readonly<Record<string, unknown>>): CommandTable | { readonly unsupported: string } => {
  const options: OptionEntry[] = []
  const args: ArgEntry[] = []
  for (const [key, descriptor] of Object.entries(config)) {
    const entry = describeOne(key, descriptor as Node)
    if ("unsupported" in entry) return { unsupported: `${key}: ${entry.unsupported}` }
    if ("names" in entry) options.push(entry)
    else args.push(entry)
  }
  // positional arguments are matched in order: only the last may be optional or repeated
  if (args.slice(0, -1).some((a) => a.mode !== "one")) return { unsupported: "an optional or repeated argument before another" }
  return { options, args }
}

// internal

/** the part of @effect/cli's descriptor data read here (Options and Args share these shapes) */
interface Node {
  readonly _tag: string
  readonly fullName?: string
  readonly aliases?: ReadonlyArray<string>
  readonly primitiveType?: Primitive
  readonly options?: Node
  readonly args?: Node
  readonly argumentOption?: Node
  readonly fallback?: unknown
  readonly min?: { readonly _tag: string }
  readonly max?: { readonly _tag: string }
}

interface Primitive {
  readonly _tag: string
  readonly alternatives?: ReadonlyArray<readonly [string, unknown]>
  readonly pathType?: "file" | "directory" | "either"
  readonly pathExists?: "yes" | "no" | "either"
}

type Described = OptionEntry | ArgEntry | { readonly unsupported: string }

const describeOne = (key: string, node: Node): Described => {
  const inner = node.options ?? node.args
  // Options.optional / Args.optional: withDefault(map(x, Option.some), Option.none())
  if (node._tag === "WithDefault" && inner?._tag === "Map" && isNone(node.fallback)) return withMode(key, single(inner.options ?? inner.args), "optional")
  if (node._tag === "WithDefault" && inner?._tag === "Single") {
    const s = single(inner)
    if (s && s.primitiveType?._tag === "Bool") return node.fallback === false ? withMode(key, s, "flag") : { unsupported: "a flag defaulting to true" }
    if (!isJson(node.fallback)) return { unsupported: "a default that is not a JSON value" }
    const e = withMode(key, s, "default")
    return "names" in e ? { ...e, fallback: node.fallback } : { unsupported: "a default on an argument" }
  }
  if (node._tag === "Variadic" && node.min?._tag === "None" && node.max?._tag === "None") return withMode(key, single(node.argumentOption ?? node.args), "repeated")
  if (node._tag === "Single") return withMode(key, node, "one")
  return { unsupported: `a ${node._tag} descriptor` }
}

const single = (node: Node | undefined): Node | undefined => (node?._tag === "Single" ? node : undefined)

const withMode = (key: string, node: Node | undefined, mode: OptionEntry["mode"]): Described => {
  if (node === undefined || node.primitiveType === undefined) return { unsupported: "a combined descriptor" }
  if (mode === "flag") return { key, names: namesOf(node), mode }
  const type = valueType(node.primitiveType)
  if (type === undefined) return { unsupported: `a value of type ${node.primitiveType._tag}` }
  if (node.fullName === undefined) return mode === "default" ? { unsupported: "an argument with a default" } : { key, mode, type }
  return { key, names: namesOf(node), mode, type }
}

const namesOf = (node: Node): ReadonlyArray<string> => [node.fullName!, ...(node.aliases ?? []).map((a) => (a.length === 1 ? `-${a}` : `--${a}`))]

const valueType = (p: Primitive): ValueType | undefined => {
  switch (p._tag) {
    case "Text":
      return { kind: "text" }
    case "Integer":
      return { kind: "integer" }
    case "Float":
      return { kind: "float" }
    case "Choice":
      // only choices whose values are their labels: the table holds strings
      return p.alternatives?.every(([label, value]) => label === value) ? { kind: "choice", values: p.alternatives.map(([label]) => label) } : undefined
    case "Path":
      return { kind: "path", pathType: p.pathType ?? "either", exists: p.pathExists ?? "either" }
    default:
      return undefined
  }
}

const isNone = (u: unknown): boolean => typeof u === "object" && u !== null && (u as { _tag?: unknown })._tag === "None"

const isJson = (u: unknown): u is JsonValue => typeof u === "string" || typeof u === "boolean" || (typeof u === "number" && Number.isFinite(u))
