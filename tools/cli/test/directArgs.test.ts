/**
 * The direct path's parser (src/directArgs.ts) against @effect/cli itself: on generated command
 * lines of every direct command, whatever the direct path accepts @effect/cli must parse to the
 * same handler arguments; and the plain forms people type must be accepted (else the direct path
 * would be dead code and the start-up figures a fiction).
 */
import { Command } from "@effect/cli"
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Effect, FastCheck as fc, HashSet } from "effect"
import { describe, expect, it, vi } from "vitest"
import type { ArgTable, CommandTable } from "../src/argTable.js"
import { directArgTable } from "../src/cliTables.js"
import { parseDirect } from "../src/directArgs.js"
import { directHandlers } from "../src/handlerModules.js"
import { commands } from "../src/registry.js"

const table: ArgTable = directArgTable()

/** what @effect/cli hands the command's handler for `argv` (after `zaoji`), or undefined when it refuses the line */
const viaEffectCli = async (argv: ReadonlyArray<string>): Promise<unknown> => {
  const command = commands.find((c) => HashSet.has(Command.getNames(c), argv[0]!))!
  let captured: unknown = undefined
  const capturing = Command.withHandler(command, (args: unknown) => Effect.sync(() => void (captured = args)))
  const root = Command.make("zaoji").pipe(Command.withSubcommands([capturing]))
  const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true)
  const err = vi.spyOn(process.stderr, "write").mockImplementation(() => true)
  try {
    await Effect.runPromise(Command.run(root, { name: "zaoji", version: "0" })(["node", "zaoji", ...argv]).pipe(Effect.provide(NodeContext.layer)))
    return captured
  } catch {
    return undefined
  } finally {
    out.mockRestore()
    err.mockRestore()
  }
}

/** JSON with object keys sorted (Options serialise as {_id, _tag, value}) */
const canonical = (u: unknown): string =>
  JSON.stringify(u, (_k, v) => (v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v.toJSON ? v.toJSON() : v).sort(([a], [b]) => a.localeCompare(b))) : v))

const VALUES = ["a", "x.y=1", "1", "007", "-1", "1.5", "true", "false", "package.json", "libs", "no/such/path", "wasm", "cpu", "workflows/hepatobiliary.workflow.ts"]
const STRAY = ["--help", "-h", "--nope", "--store=x", "--JSON", "--", "-", "--version", "--wizard"]

const tokensOf = (spec: CommandTable): ReadonlyArray<string> => [...spec.options.flatMap((o) => o.names), ...VALUES, ...STRAY]

describe("the direct path parses as @effect/cli does", () => {
  it("every command in directHandlers has a table, and nothing else has one", () => {
    expect(Object.keys(table).sort()).toEqual(Object.keys(directHandlers).sort())
  })

  for (const name of Object.keys(directHandlers)) {
    it(`${name}: on generated command lines, whatever the direct path accepts @effect/cli parses to the same arguments`, async () => {
      const spec = table[name]!
      // mostly well-formed lines (an option name followed by a value), with strays mixed in
      const line = fc.array(
        fc.oneof(
          { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...spec.options.flatMap((o) => o.names)), fc.constantFrom(...VALUES)).map(([n, v]) => [n, v]) },
          { weight: 2, arbitrary: fc.constantFrom(...tokensOf(spec)).map((t) => [t]) },
          { weight: 2, arbitrary: fc.constantFrom(...VALUES).map((t) => [t]) }
        ),
        { maxLength: 5 }
      )
      // and, most of the time, the command's required arguments somewhere among them
      const withArgs = fc
        .tuple(line, fc.boolean(), fc.nat())
        .map(([parts, withRequired, at]) => {
          const flat = parts.flat()
          const required = withRequired ? spec.args.filter((a) => a.mode === "one").map((a) => (a.type.kind === "path" ? "workflows/hepatobiliary.workflow.ts" : "base")) : []
          const i = at % (flat.length + 1)
          return [name, ...flat.slice(0, i), ...required, ...flat.slice(i)]
        })
      let accepted = 0
      await fc.assert(
        fc.asyncProperty(withArgs, async (argv) => {
          const direct = parseDirect(table, argv)
          if (direct === undefined) return
          accepted++
          const cli = await viaEffectCli(argv)
          expect(cli, `@effect/cli refused what the direct path accepted: ${argv.join(" ")}`).not.toBeUndefined()
          expect(canonical(direct.args), argv.join(" ")).toBe(canonical(cli))
        }),
        { numRuns: 500, seed: 20261204 }
      )
      // the property must have been exercised, not vacuously true
      expect(accepted).toBeGreaterThan(10)
    }, 120_000)
  }

  it("the plain forms are accepted, with @effect/cli's values", async () => {
    const plain = [
      ["plan", "workflows/hepatobiliary.workflow.ts"],
      ["plan", "workflows/hepatobiliary.workflow.ts", "--store", "libs", "--set", "base.steps=2", "--set", "kg.source=x", "--json"],
      ["plan", "--only", "base", "workflows/hepatobiliary.workflow.ts"],
      ["status"],
      ["status", "--store", "libs", "--json"],
      ["status", "-w", "workflows/hepatobiliary.workflow.ts", "--run", "2026"],
      ["runs", "--limit", "5"],
      ["runs", "--workflow", "workflows/hepatobiliary.workflow.ts"],
      ["report"],
      ["report", "exam", "--markdown", "--digits", "2"],
      ["inspect", "base", "--json"]
    ]
    for (const argv of plain) {
      const direct = parseDirect(table, argv)
      expect(direct, argv.join(" ")).not.toBeUndefined()
      expect(canonical(direct!.args), argv.join(" ")).toBe(canonical(await viaEffectCli(argv)))
    }
  }, 60_000)

  it("declines what it cannot parse exactly, so @effect/cli parses it or explains the mistake", () => {
    const declined = [
      ["status", "--help"],
      ["status", "-h"],
      ["status", "--store=libs"],
      ["status", "--json", "true"],
      ["status", "--json", "--json"],
      ["status", "--store", "a", "--store", "b"],
      ["status", "--store"],
      ["status", "--store", "-x"],
      ["status", "--STORE", "libs"],
      ["status", "extra"],
      ["plan"],
      ["plan", "no/such/workflow.ts"],
      ["plan", "libs"],
      ["plan", "workflows/hepatobiliary.workflow.ts", "--", "x"],
      ["runs", "--limit", "five"],
      ["runs", "--limit", "1e2"],
      ["inspect"],
      ["inspect", "a", "b"],
      ["run", "workflows/hepatobiliary.workflow.ts"],
      ["new", "plugin", "x"],
      ["nope"],
      []
    ]
    for (const argv of declined) expect(parseDirect(table, argv), argv.join(" ")).toBeUndefined()
  })
})
