/**
 * The direct path's argument parser: a command line in the plainest form (`zaoji status --store
 * DIR --json`, `zaoji plan WF --set a.b=1`) parsed from the argument table (argTable.ts) without
 * loading @effect/cli, which costs a fifth of a short command's run. It gives the handler exactly
 * the values @effect/cli would (tested on generated command lines in directArgs.test.ts) and
 * declines everything else: help, `--name=value`, unknown or repeated names, a value that starts
 * with `-`, a flag followed by a word @effect/cli might read as its value, a value of the wrong
 * type, a path that must exist and does not. A declined line goes to @effect/cli, which parses it
 * or explains what is wrong, as before.
 */
import { Option } from "effect"
import * as fs from "node:fs"
import type { ArgEntry, ArgTable, CommandTable, OptionEntry, ValueType } from "./argTable.js"

export interface DirectArgs {
  readonly command: string
  readonly args: Readonly<Record<string, unknown>>
}

/** `argv` without node and the script: the command and its handler's arguments, or undefined when @effect/cli must parse it */
export const parseDirect = (table: ArgTable, argv: ReadonlyArray<string>): DirectArgs | undefined => {
  const [command, ...rest] = argv
  const spec = command === undefined || !Object.hasOwn(table, command) ? undefined : table[command]
  if (spec === undefined) return undefined
  const args = parseCommand(spec, rest)
  return args === undefined ? undefined : { command: command!, args }
}

// internal

const parseCommand = (spec: CommandTable, tokens: ReadonlyArray<string>): Record<string, unknown> | undefined => {
  const byName = new Map<string, OptionEntry>()
  for (const o of spec.options) for (const n of o.names) byName.set(n, o)
  const given = new Map<OptionEntry, string[]>()
  const positional: string[] = []
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!
    if (!token.startsWith("-")) {
      positional.push(token)
      continue
    }
    const option = byName.get(token)
    if (option === undefined) return undefined
    const values = given.get(option) ?? []
    if (values.length > 0 && option.mode !== "repeated") return undefined
    if (option.mode === "flag") {
      // @effect/cli reads a following true/false (and the like) as the flag's value
      const next = tokens[i + 1]
      if (next !== undefined && BOOLEAN_WORDS.test(next)) return undefined
      values.push("true")
    } else {
      const value = tokens[++i]
      if (value === undefined || value.startsWith("-")) return undefined
      values.push(value)
    }
    given.set(option, values)
  }
  const out: Record<string, unknown> = {}
  for (const o of spec.options) {
    const value = optionValue(o, given.get(o) ?? [])
    if (value === DECLINE) return undefined
    out[o.key] = value
  }
  const values = argValues(spec.args, positional)
  if (values === undefined) return undefined
  return Object.assign(out, values)
}

const DECLINE = Symbol("decline")

const BOOLEAN_WORDS = /^(true|false|yes|no|y|n|on|off|1|0)$/i

const optionValue = (o: OptionEntry, values: ReadonlyArray<string>): unknown => {
  if (o.mode === "flag") return values.length > 0
  const typed = values.map((v) => typedValue(o.type!, v))
  if (typed.some((v) => v === DECLINE)) return DECLINE
  switch (o.mode) {
    case "one":
      return typed.length === 1 ? typed[0] : DECLINE
    case "optional":
      return typed.length === 1 ? Option.some(typed[0]) : Option.none()
    case "default":
      return typed.length === 1 ? typed[0] : o.fallback
    case "repeated":
      return typed
  }
}

const argValues = (specs: ReadonlyArray<ArgEntry>, positional: ReadonlyArray<string>): Record<string, unknown> | undefined => {
  const out: Record<string, unknown> = {}
  let i = 0
  for (const a of specs) {
    const take = a.mode === "repeated" ? positional.slice(i) : positional.slice(i, i + 1)
    if (a.mode === "one" && take.length === 0) return undefined
    const typed = take.map((v) => typedValue(a.type, v))
    if (typed.some((v) => v === DECLINE)) return undefined
    out[a.key] = a.mode === "repeated" ? typed : a.mode === "optional" ? (typed.length ? Option.some(typed[0]) : Option.none()) : typed[0]
    i += take.length
  }
  return i === positional.length ? out : undefined
}

const typedValue = (type: ValueType, v: string): unknown => {
  switch (type.kind) {
    case "text":
      return v
    case "integer":
      return /^\d{1,15}$/.test(v) ? Number(v) : DECLINE
    case "float":
      return /^\d{1,15}(\.\d{1,15})?$/.test(v) ? Number(v) : DECLINE
    case "choice":
      return type.values.includes(v) ? v : DECLINE
    case "path":
      return pathAccepted(type, v) ? v : DECLINE
  }
}

/** what @effect/cli would accept without a word: existence as asked, and the right kind where it exists */
const pathAccepted = (type: Extract<ValueType, { kind: "path" }>, v: string): boolean => {
  const st = fs.statSync(v, { throwIfNoEntry: false })
  if (st === undefined) return type.exists !== "yes"
  if (type.exists === "no") return false
  return type.pathType === "either" || (type.pathType === "file" ? st.isFile() : st.isDirectory())
}
