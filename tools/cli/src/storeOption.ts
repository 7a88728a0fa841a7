import { Options } from "@effect/cli"
import { defaultStoreDir, loadWorkflowFile } from "@zaoji/core"
import { Effect, Option } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { UsageError } from "./usage.js"

export const storeOption = Options.directory("store").pipe(
  Options.withDescription("artifact store folder (default: .zaoji beside the workflow file, or ./.zaoji)"),
  Options.optional
)

export const jsonOption = Options.boolean("json").pipe(Options.withDescription("print machine-readable JSON on stdout"))

export const workflowOption = Options.file("workflow").pipe(
  Options.withAlias("w"),
  Options.withDescription("a *.workflow.ts file: its store is used, and stage ids resolve against it"),
  Options.optional
)

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
  Option.isSome(file) ? Effect.map(loadWorkflowFile(file.value), Option.some) : Effect.succeed(Option.none())

/**
 * `--backend`: force a TensorFlow.js backend. Passed on through the environment, so worker threads
 * (data-parallel training) and the lazily loaded model code all see the same choice.
 */
export const backendOption = Options.choice("backend", ["tensorflow-gpu", "webgpu", "tensorflow", "wasm", "cpu"]).pipe(
  Options.withDescription(
    "TensorFlow.js backend (default: the first that loads of tensorflow-gpu, webgpu on a GPU, tensorflow, wasm, cpu; webgpu on a software adapter only when given here; env ZAOJI_BACKEND)"
  ),
  Options.optional
)

export const applyBackendOption = (backend: Option.Option<string>): Effect.Effect<void> =>
  Effect.sync(() => {
    if (Option.isSome(backend)) process.env.ZAOJI_BACKEND = backend.value
  })
