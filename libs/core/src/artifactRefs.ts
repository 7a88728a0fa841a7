/**
 * Artifact references: a config field that names a finished artifact a stage builds on (e.g. a
 * training stage's `continueFrom`), written as a stage id of the workflow or as a store key. Before
 * anything runs, each reference becomes an input of the same name: a stage id is wired like a
 * handle (ordering, cache key and lineage follow), a store key is read from the store (its key joins
 * the cache key and the manifest's inputs). A reference to an artifact of another stage type, built
 * from other inputs than the rule demands, missing from the store or lacking a file the rule names is
 * a plan-time error on that field.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Either, Schema } from "effect"
import type { Issue } from "./configDecode.js"
import type { Artifact, ArtifactRefRule } from "./Stage.js"
import { makeFsStore, type Manifest } from "./store.js"
import type { StageNode } from "./Workflow.js"

/** What plan time may read of the store: manifests and artifact folders by key. */
export interface StoreView {
  readonly root: string
  readonly readManifest: (key: string) => Manifest | undefined
  readonly artifactDir: (key: string) => string
}

const STORE_KEY = /^[0-9a-f]{32}$/

export interface RefWiring {
  /** input name → upstream stage id, for references to stages of this workflow */
  readonly edges: ReadonlyMap<string, Readonly<Record<string, string>>>
  /** input name → store key, for references to artifacts outside this workflow */
  readonly external: ReadonlyMap<string, Readonly<Record<string, string>>>
  readonly issues: ReadonlyArray<Issue>
}

/**
 * Read every node's reference fields from its (overridden, still encoded) config and sort them into
 * edges to stages of the workflow and store keys; check what can be checked without keys.
 */
export const wireArtifactRefs = (nodes: ReadonlyMap<string, StageNode>, encodedConfig: (n: StageNode) => unknown): RefWiring => {
  const edges = new Map<string, Record<string, string>>()
  const external = new Map<string, Record<string, string>>()
  const issues: Issue[] = []
  for (const n of nodes.values()) {
    for (const [field, rule] of Object.entries(n.def.artifactRefs ?? {}) as Array<[string, ArtifactRefRule]>) {
      const ref = (encodedConfig(n) as Record<string, unknown> | undefined)?.[field]
      if (typeof ref !== "string") continue
      const at = { stage: n.id, field }
      if (n.inputs[field] !== undefined) {
        issues.push({ ...at, message: `"${ref}" is given here and a stage is wired as input ${field}: expected one of the two` })
      } else if (ref === n.id) {
        issues.push({ ...at, message: `names this stage itself; to continue an earlier run of it, give that run's store key (zaoji inspect ${n.id} prints it)` })
      } else if (nodes.has(ref)) {
        const other = nodes.get(ref)!
        if (other.def.name !== n.def.name) issues.push({ ...at, message: `stage "${ref}" is a ${other.def.name} stage; expected a ${n.def.name} stage` })
        for (const input of rule.sameInputs) {
          if (other.inputs[input] !== n.inputs[input]) {
            issues.push({ ...at, message: `stage "${ref}" was built from input ${input} = ${other.inputs[input] ?? "(none)"}, this stage from ${n.inputs[input] ?? "(none)"}; expected the same` })
          }
        }
        edges.set(n.id, { ...edges.get(n.id), [field]: ref })
      } else if (STORE_KEY.test(ref)) {
        external.set(n.id, { ...external.get(n.id), [field]: ref })
      } else {
        issues.push({ ...at, message: `"${ref}" is neither a stage id of this workflow (stages: ${[...nodes.keys()].join(", ")}) nor a store key (32 hex digits)` })
      }
    }
  }
  return { edges, external, issues }
}

/**
 * Check a node's store-key references against the store, now that its own input keys are known.
 */
export const checkExternalRefs = (
  n: StageNode,
  refs: Readonly<Record<string, string>>,
  inputKeys: Readonly<Record<string, string>>,
  store: StoreView | undefined
): Issue[] => {
  const issues: Issue[] = []
  for (const [field, key] of Object.entries(refs)) {
    const at = { stage: n.id, field }
    const rule = n.def.artifactRefs?.[field] as ArtifactRefRule | undefined
    // planning without a store (gc, inspect) takes the key as written
    if (store === undefined) continue
    const m = store.readManifest(key)
    if (m === undefined) {
      issues.push({ ...at, message: `no finished artifact ${key} in the store ${store.root}` })
      continue
    }
    if (m.stage.plugin !== n.def.name) {
      issues.push({ ...at, message: `artifact ${key} (stage "${m.stage.id}") is a ${m.stage.plugin} artifact; expected a ${n.def.name} artifact` })
      continue
    }
    for (const input of rule?.sameInputs ?? []) {
      const theirs = m.inputs[input]?.key
      if (theirs !== inputKeys[input]) {
        issues.push({
          ...at,
          message: `artifact ${key} was built from input ${input} = ${theirs ?? "(none)"}${m.inputs[input] ? ` (stage "${m.inputs[input]!.stage}")` : ""}, this stage from ${inputKeys[input] ?? "(none)"}; expected the same`
        })
      }
    }
    for (const file of rule?.files ?? []) {
      if (!fs.existsSync(path.join(store.artifactDir(key), file))) {
        issues.push({ ...at, message: `artifact ${key} has no ${file}${rule?.missingFiles ? `: ${rule.missingFiles}` : ""}` })
      }
    }
  }
  return issues
}

/**
 * A stage's store-key references as inputs (decoded with the stage's output Schema) and as the
 * manifest's lineage entries. They were checked when the workflow was planned.
 */
export const storedRefInputs = (
  store: { readonly root: string },
  refs: Readonly<Record<string, string>>,
  output: Schema.Schema<any, any>
): { readonly inputs: Record<string, Artifact<unknown>>; readonly lineage: Record<string, { stage: string; key: string }> } => {
  const view = fsStoreView(store.root)
  const inputs: Record<string, Artifact<unknown>> = {}
  const lineage: Record<string, { stage: string; key: string }> = {}
  for (const [name, key] of Object.entries(refs)) {
    const m = view.readManifest(key)
    if (m === undefined) throw new Error(`input ${name}: artifact ${key} is no longer in the store`)
    const value = Schema.decodeUnknownEither(output)(m.output)
    if (Either.isLeft(value)) throw new Error(`input ${name}: artifact ${key}'s output no longer decodes: ${value.left.message}`)
    inputs[name] = { key, dir: view.artifactDir(key), value: value.right }
    lineage[name] = { stage: m.stage.id, key }
  }
  return { inputs, lineage }
}

/** The plan-time view of the file-system store at `root`. */
export const fsStoreView = (root: string): StoreView => {
  const store = makeFsStore(root)
  return { root, readManifest: (key) => Effect.runSync(store.readManifest(key)), artifactDir: store.artifactDir }
}
