import { Effect, Option } from "effect"
import * as path from "node:path"
import { generatePlugin } from "../generators/plugin.js"
import { GeneratorRefused } from "../generators/refused.js"
import { generateSpecialty } from "../generators/specialty.js"
import { repoRoot } from "../generators/locations.js"
import { printLine } from "../print.js"
import { UsageError } from "../usage.js"
import type { NewPluginArgs, NewSpecialtyArgs } from "../commands/new.js"

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

export const specialty = (a: NewSpecialtyArgs) =>
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

export const plugin = (a: NewPluginArgs) =>
  Effect.gen(function* () {
    const r = yield* generate(() => generatePlugin({ name: a.name, root: Option.getOrUndefined(a.root) }))
    for (const f of r.files) yield* printLine(`created ${shown(f)}`)
    yield* printLine(`linked  ${shown(r.link)} → ${r.linkTarget}`)
    yield* printLine(
      `import { ${r.namespace} } from "@zaoji/${a.name}" works now; run \`npm install\` to record the new workspace package in package-lock.json. ` +
        `Test it: npx vitest run --root ${shown(r.pluginDir)}`
    )
  })
