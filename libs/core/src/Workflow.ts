/**
 * The workflow DSL: a declarative graph of stage instances. `w.stage` returns a typed handle to the
 * stage's output; wiring a handle into an input of another type is a TypeScript error. Nothing runs
 * while the graph is built — the engine validates and plans the whole graph first.
 */
import type { Layer } from "effect"
import type { AnyStageDef, ConfigOf, InputsOf, OutputOf, RetryPolicy } from "./Stage.js"

/** A reference to the (future) output of a stage instance. */
export interface Handle<O> {
  readonly _tag: "Handle"
  readonly id: string
  /** phantom: the output type, covariant */
  readonly _output?: () => O
}

/** inputs whose type admits `undefined` (declared with Stage.inputsWithOptional) may be left unwired */
export type OptionalKeys<I> = { [K in keyof I]-?: undefined extends I[K] ? K : never }[keyof I]
export type RequiredKeys<I> = Exclude<keyof I, OptionalKeys<I>>

export type HandlesOf<I> = { readonly [K in RequiredKeys<I>]: Handle<I[K]> } & {
  readonly [K in OptionalKeys<I>]?: Handle<Exclude<I[K], undefined>>
}

export interface StageOptions {
  /** override the stage's retry policy for this instance */
  readonly retry?: Partial<RetryPolicy>
}

/** A stage instance as recorded in the graph (untyped from here on). */
export interface StageNode {
  readonly id: string
  readonly def: AnyStageDef
  /** the Schema-encoded config as written in the workflow file */
  readonly config: unknown
  /** input name → upstream stage id */
  readonly inputs: Readonly<Record<string, string>>
  readonly options: StageOptions
}

export interface WorkflowOptions {
  /** services the workflow's stages need (their `R`), provided by the engine to every stage */
  readonly layer?: Layer.Layer<any, any, never>
  /** non-local LLM endpoints record-derived text may be sent to (loopback is always allowed) */
  readonly allowEndpoints?: ReadonlyArray<string>
  /** max stages running at once (default 4); compute-heavy stages also share one device slot */
  readonly concurrency?: number
}

export interface Workflow {
  readonly _tag: "Workflow"
  readonly name: string
  readonly nodes: ReadonlyArray<StageNode>
  readonly options: WorkflowOptions
  /** problems found while building (duplicate ids, bad handles); reported with all others */
  readonly buildIssues: ReadonlyArray<{ readonly stage: string; readonly field: string; readonly message: string }>
}

/**
 * A stage without inputs takes none; one whose inputs are all optional may omit the object, but
 * what it is given is still typed (a bare `{}` would let any wiring through).
 */
type InputArgs<S extends AnyStageDef> = [keyof InputsOf<S>] extends [never]
  ? [inputs?: {}, options?: StageOptions]
  : [RequiredKeys<InputsOf<S>>] extends [never]
    ? [inputs?: HandlesOf<InputsOf<S>>, options?: StageOptions]
    : [inputs: HandlesOf<InputsOf<S>>, options?: StageOptions]

export interface WorkflowBuilder {
  /** add a stage instance: `config` is the Schema's encoded form (what a JSON file would hold) */
  stage<S extends AnyStageDef>(id: string, def: S, config: ConfigOf<S>, ...rest: InputArgs<S>): Handle<OutputOf<S>>
  /** a handle to a stage declared later in the file (its id is checked when the workflow is validated) */
  ref<S extends AnyStageDef>(id: string): Handle<OutputOf<S>>
}

export const isHandle = (u: unknown): u is Handle<unknown> =>
  typeof u === "object" && u !== null && (u as { _tag?: unknown })._tag === "Handle" && typeof (u as Handle<unknown>).id === "string"

export const make = (name: string, build: (w: WorkflowBuilder) => void, options: WorkflowOptions = {}): Workflow => {
  const nodes: StageNode[] = []
  const buildIssues: Array<Workflow["buildIssues"][number]> = []
  const ids = new Set<string>()
  const w: WorkflowBuilder = {
    stage: (id, def, config, ...rest) => {
      const [inputs, opts] = rest as [Record<string, unknown> | undefined, StageOptions | undefined]
      if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(id)) {
        buildIssues.push({ stage: id, field: "", message: "stage id must be letters, digits, '-' or '_' (it is used in --set ID.FIELD=…)" })
      }
      if (ids.has(id)) buildIssues.push({ stage: id, field: "", message: "duplicate stage id (each stage instance needs its own id)" })
      ids.add(id)
      const wired: Record<string, string> = {}
      for (const [k, h] of Object.entries(inputs ?? {})) {
        if (h === undefined) continue
        if (!isHandle(h)) {
          buildIssues.push({ stage: id, field: `inputs.${k}`, message: "expected a stage handle returned by w.stage(...) or w.ref(...)" })
        } else wired[k] = h.id
      }
      nodes.push({ id, def, config, inputs: wired, options: opts ?? {} })
      return { _tag: "Handle", id }
    },
    ref: (id) => ({ _tag: "Handle", id })
  }
  build(w)
  return { _tag: "Workflow", name, nodes, options, buildIssues }
}

export const isWorkflow = (u: unknown): u is Workflow =>
  typeof u === "object" && u !== null && (u as { _tag?: unknown })._tag === "Workflow" && Array.isArray((u as Workflow).nodes)
