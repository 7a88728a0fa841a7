import { Args, Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import * as path from "node:path"
import { generatePlugin } from "../generators/plugin.js"
import { GeneratorRefused } from "../generators/refused.js"
import { generateSpecialty, STAGE2_METHODS } from "../generators/specialty.js"
import { repoRoot } from "../generators/locations.js"
import { printLine } from "../print.js"
import { UsageError } from "../usage.js"

/** run a generator; its refusals are usage errors (exit 2), anything else is a failure */
const generate = <A>(f: () => A) =>
  Effect.try({
    try: f,
    catch: (e) => (e instanceof GeneratorRefused ? new UsageError({ message: e.message }) : e instanceof Error ? e : new Error(String(e)))
  })

const shown = (p: string) => {
  const rel = path.relative(process.cwd(), p)
  return rel === "" || rel.startsWith("..") ? p : rel
}

const specialty = Command.make(
  "specialty",
  {
    name: Args.text({ name: "NAME" }).pipe(Args.withDescription("the specialty, e.g. cardiology ([a-z][a-z0-9-]*)")),
    departments: Options.text("department").pipe(
      Options.withDescription("a knowledge-graph department the specialty selects (repeatable), e.g. 心内科"),
      Options.repeated
    ),
    dir: Options.directory("dir").pipe(Options.withDescription("where the workflow file goes (default: the repository's workflows/)"), Options.optional),
    stage2: Options.choice("stage2", STAGE2_METHODS).pipe(
      Options.withDescription("the stage-2 method: freeze (the paper's), lora, or both (two stage-2 models compared side by side)"),
      Options.withDefault("freeze" as const)
    )
  },
  (a) =>
    Effect.gen(function* () {
      const r = yield* generate(() =>
        generateSpecialty({ name: a.name, departments: a.departments, dir: Option.getOrElse(a.dir, () => path.join(repoRoot, "workflows")), stage2: a.stage2 })
      )
      for (const f of r.files) yield* printLine(`created ${shown(f)}`)
      if (a.departments.length > 0 && !r.selecting) {
        yield* printLine(
          `note: the sample kg.jsonl has no entry of ${a.departments.join(", ")}; the workflow uses the whole sample graph until ` +
            `${shown(path.join(r.dataDir, "kg.jsonl"))} is your own (see ${shown(path.join(r.dataDir, "README.md"))})`
        )
      }
      yield* printLine(`replace the sample data in ${shown(r.dataDir)}/ with your own, then: npx zaoji run ${shown(r.workflowFile)}`)
    })
).pipe(Command.withDescription("scaffold workflows/NAME.workflow.ts with a data folder (sample data) and a README stub"))

const plugin = Command.make(
  "plugin",
  {
    name: Args.text({ name: "NAME" }).pipe(Args.withDescription("the plugin, e.g. my-plugin ([a-z][a-z0-9-]*); the package is @zaoji/NAME")),
    root: Options.directory("root").pipe(
      Options.withDescription("the workspace to generate into (plugins/ and node_modules/ under it; default: this repository)"),
      Options.optional
    )
  },
  (a) =>
    Effect.gen(function* () {
      const r = yield* generate(() => generatePlugin({ name: a.name, root: Option.getOrUndefined(a.root) }))
      for (const f of r.files) yield* printLine(`created ${shown(f)}`)
      yield* printLine(`linked  ${shown(r.link)} → ${r.linkTarget}`)
      yield* printLine(
        `import { ${r.namespace} } from "@zaoji/${a.name}" works now; run \`npm install\` to record the new workspace package in package-lock.json. ` +
          `Test it: npx vitest run --root ${shown(r.pluginDir)}`
      )
    })
).pipe(Command.withDescription("scaffold plugins/NAME: an Nx project with one typed stage, its Schemas and a test"))

export default Command.make("new").pipe(
  Command.withDescription("generators: a specialty workflow, or a stage plugin"),
  Command.withSubcommands([specialty, plugin])
)
