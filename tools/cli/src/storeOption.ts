import { defaultStoreDir } from "@zaoji/core"
import { Effect, Option } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { loadWorkflow } from "./workflowFile.js"
import { UsageError } from "./usage.js"


/** The store a read-only command looks at: --store, else beside --workflow, else ./.zaoji. */
export const resolveStore = (store: Option.Option<string>, workflowFile: Option.Option<string>, mustExist = true) =>
  Effect.gen(function* () {
    const dir = Option.isSome(store)
      ? path.resolve(store.value)
      : Option.isSome(workflowFile)
        ? defaultStoreDir(path.dirname(path.resolve(workflowFile.value)))
        : path.resolve(".zaoji")
    if (mustExist && !fs.existsSync(path.join(dir, "journal.sqlite"))) {
      return yield* Effect.fail(
        new UsageError({ message: `no store at ${dir} (nothing has run there yet); pass --store DIR or --workflow FILE` })
      )
    }
    return dir
  })

export const loadOptionalWorkflow = (file: Option.Option<string>) =>
  Option.isSome(file) ? Effect.map(loadWorkflow(file.value), Option.some) : Effect.succeed(Option.none())

export const applyBackendOption = (backend: Option.Option<string>): Effect.Effect<void> =>
  Effect.sync(() => {
    if (Option.isSome(backend)) process.env.ZAOJI_BACKEND = backend.value
  })
