/**
 * The options and arguments several commands share, as bare @effect/cli descriptions: this module
 * imports nothing else, so the command tree (and `zaoji --help`) is built without loading the
 * engine. What the values mean is resolved by the commands' handlers (storeOption.ts, modelArg.ts).
 */
import { Args, Options } from "@effect/cli"

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

/** the MODEL argument of chat, serve and export */
export const modelArgument = Args.text({ name: "MODEL" }).pipe(
  Args.withDescription("a model folder, a model stage's artifact folder, or a stage id / artifact key")
)

/** `--cluster URL`: run on (or report on) a cluster of runners coordinated through this PostgreSQL database */
export const clusterOption = Options.text("cluster").pipe(
  Options.withDescription("postgres://USER@HOST:PORT/DB of a runner cluster (see `zaoji runner`); without it everything runs here"),
  Options.optional
)
