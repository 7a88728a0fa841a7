/**
 * Resolve a workflow before anything runs: apply `--set` overrides, decode every config, check the
 * wiring, the graph and the input files, and compute each stage's content-addressed key. All
 * problems are collected and reported together.
 */
import { Either, Schema } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { canonicalJson, hashPath, sha256 } from "./canonical.js"
import { applyOverrides, decodeConfig, parseOverride, type Issue, type Override } from "./configDecode.js"
import { WorkflowInvalid } from "./engineErrors.js"
import { checkExternalRefs, wireArtifactRefs, type StoreView } from "./artifactRefs.js"
import { envSecrets, redact } from "./redact.js"
import type { Manifest } from "./store.js"
import type { StageNode, Workflow } from "./Workflow.js"
import { errorMessage } from "./errorMessage.js"

export interface ResolvedStage {
  readonly node: StageNode
  readonly config: unknown
  /** canonical encoded config, secrets redacted: what the key is computed from */
  readonly keyConfig: unknown
  readonly files: Readonly<Record<string, string>>
  /** input name → upstream stage id */
  readonly deps: Readonly<Record<string, string>>
  /** input name → store key: artifacts outside the workflow that reference fields name */
  readonly external: Readonly<Record<string, string>>
  readonly key: string
}

export interface Selection {
  readonly force?: ReadonlyArray<string>
  readonly from?: ReadonlyArray<string>
  readonly only?: ReadonlyArray<string>
}

export interface ResolvedWorkflow {
  readonly workflow: Workflow
  readonly baseDir: string
  /** topological order */
  readonly stages: ReadonlyArray<ResolvedStage>
  readonly byId: ReadonlyMap<string, ResolvedStage>
}

const KEY_LENGTH = 32

export const computeKey = (s: {
  readonly plugin: string
  readonly version: string
  readonly keyConfig: unknown
  readonly inputs: Readonly<Record<string, string>>
  readonly files: Readonly<Record<string, string>>
}): string => sha256(canonicalJson(s)).slice(0, KEY_LENGTH)

/** a relative path is resolved against the workflow's folder: say where that was */
const missingFile = (p: string, baseDir: string): string =>
  path.isAbsolute(p)
    ? `input file "${p}" does not exist`
    : `input file "${p}" does not exist (looked for ${path.relative(process.cwd(), path.resolve(baseDir, p)) || p})`

/**
 * Find where in a config a given file path was written, to name the field in an error: the field
 * holding exactly that path, else one holding a folder the path is in (a stage may list
 * `config.json` inside a model folder its config names).
 */
const fieldHolding = (config: unknown, value: string): string | undefined =>
  findField(config, (s) => s === value) ??
  findField(config, (s) => s.length > 0 && (value.startsWith(s.endsWith("/") ? s : `${s}/`) || value.startsWith(`${s}${path.sep}`)))

const findField = (config: unknown, matches: (s: string) => boolean, prefix = ""): string | undefined => {
  if (typeof config === "string") return matches(config) ? prefix : undefined
  if (config !== null && typeof config === "object") {
    for (const [k, v] of Object.entries(config)) {
      const hit = findField(v, matches, prefix ? `${prefix}.${k}` : k)
      if (hit !== undefined) return hit
    }
  }
  return undefined
}

export const resolveWorkflow = (
  workflow: Workflow,
  baseDir: string,
  setArgs: ReadonlyArray<string> = [],
  selection: Selection = {},
  hashFile: (absolutePath: string) => string = hashPath,
  /** the store, where reference fields (e.g. `continueFrom`) may name artifacts by key */
  store?: StoreView
): Either.Either<ResolvedWorkflow, WorkflowInvalid> => {
  const issues: Issue[] = [...workflow.buildIssues]
  const nodes = new Map<string, StageNode>()
  for (const n of workflow.nodes) if (!nodes.has(n.id)) nodes.set(n.id, n)
  const known = () => [...nodes.keys()].join(", ")

  const overrides: Override[] = []
  for (const text of setArgs) {
    const o = parseOverride(text)
    if (Either.isLeft(o)) issues.push(o.left)
    else if (!nodes.has(o.right.stage)) {
      issues.push({ stage: o.right.stage, field: o.right.path.join("."), message: `--set names an unknown stage id (stages: ${known()})` })
    } else overrides.push(o.right)
  }
  for (const flag of ["force", "from", "only"] as const) {
    for (const id of selection[flag] ?? []) {
      if (!nodes.has(id)) issues.push({ stage: id, field: "", message: `--${flag} names an unknown stage id (stages: ${known()})` })
    }
  }

  // reference fields become inputs: edges to stages of the workflow, or store keys
  const refs = wireArtifactRefs(nodes, (n) => applyOverrides(n.config, overrides.filter((o) => o.stage === n.id)))
  issues.push(...refs.issues)
  const inputsOf = (n: StageNode): Readonly<Record<string, string>> => ({ ...n.inputs, ...refs.edges.get(n.id) })

  // wiring
  for (const n of nodes.values()) {
    const declared = new Set<string>(n.def.inputNames)
    const optional = new Set<string>(n.def.optionalInputs ?? [])
    for (const [name, upstream] of Object.entries(n.inputs)) {
      if (!declared.has(name)) {
        issues.push({ stage: n.id, field: `inputs.${name}`, message: `stage ${n.def.name} has no input "${name}" (inputs: ${[...declared].join(", ") || "none"})` })
      }
      if (!nodes.has(upstream)) issues.push({ stage: n.id, field: `inputs.${name}`, message: `unknown stage id "${upstream}" (stages: ${known()})` })
    }
    for (const name of declared) {
      if (!optional.has(name) && !(name in n.inputs)) {
        issues.push({ stage: n.id, field: `inputs.${name}`, message: `required input is not wired (expected the handle of an upstream stage)` })
      }
    }
  }

  // cycles (Kahn's algorithm; what is left over lies on or behind a cycle)
  const order: string[] = []
  const indegree = new Map<string, number>()
  for (const n of nodes.values()) indegree.set(n.id, Object.values(inputsOf(n)).filter((u) => nodes.has(u)).length)
  const queue = [...nodes.values()].filter((n) => indegree.get(n.id) === 0).map((n) => n.id)
  while (queue.length > 0) {
    const id = queue.shift()!
    order.push(id)
    for (const m of nodes.values()) {
      const c = Object.values(inputsOf(m)).filter((u) => u === id).length
      if (c > 0) {
        indegree.set(m.id, indegree.get(m.id)! - c)
        if (indegree.get(m.id) === 0) queue.push(m.id)
      }
    }
  }
  if (order.length < nodes.size) {
    const left = [...nodes.keys()].filter((id) => !order.includes(id))
    issues.push({ stage: left[0], field: "inputs", message: `the stages ${left.join(" → ")} form a cycle (an output cannot feed its own ancestors)` })
  }

  // configs and files
  const decoded = new Map<string, { config: unknown; keyConfig: unknown; files: Record<string, string> }>()
  const secrets = envSecrets()
  for (const n of nodes.values()) {
    const mine = overrides.filter((o) => o.stage === n.id)
    const encoded = applyOverrides(n.config, mine)
    const res = decodeConfig(n.id, n.def.config, encoded)
    if (Either.isLeft(res)) {
      issues.push(...res.left)
      // still report missing files named by the fields that did decode: all problems at once
      let guessed: ReadonlyArray<string> = []
      try {
        guessed = n.def.files?.(encoded) ?? []
      } catch {
        // the files function needs the decoded config; nothing more to say about this stage
      }
      for (const p of guessed) {
        if (typeof p === "string" && !fs.existsSync(path.resolve(baseDir, p))) {
          issues.push({ stage: n.id, field: fieldHolding(encoded, p) ?? "files", message: missingFile(p, baseDir) })
        }
      }
      continue
    }
    const reencoded = Schema.encodeUnknownEither(n.def.config)(res.right)
    const keyConfig = redact(JSON.parse(canonicalJson(Either.isRight(reencoded) ? reencoded.right : encoded)), secrets)
    const files: Record<string, string> = {}
    let paths: ReadonlyArray<string> = []
    try {
      paths = n.def.files?.(res.right) ?? []
    } catch (e) {
      issues.push({ stage: n.id, field: "", message: `could not list the stage's input files: ${errorMessage(e)}` })
    }
    for (const p of paths) {
      const abs = path.resolve(baseDir, p)
      const field = fieldHolding(encoded, p) ?? "files"
      if (!fs.existsSync(abs)) {
        issues.push({ stage: n.id, field, message: missingFile(p, baseDir) })
        continue
      }
      try {
        files[p] = hashFile(abs)
      } catch (e) {
        issues.push({ stage: n.id, field, message: `input file "${p}" cannot be read: ${errorMessage(e)}` })
      }
    }
    for (const w of n.def.checkWiring?.({ config: res.right, wired: Object.keys(n.inputs) }) ?? []) issues.push({ stage: n.id, field: w.field, message: w.message })
    decoded.set(n.id, { config: res.right, keyConfig, files })
  }

  if (issues.length > 0) return Either.left(new WorkflowInvalid({ workflow: workflow.name, issues }))

  const stages: ResolvedStage[] = []
  const byId = new Map<string, ResolvedStage>()
  for (const id of order) {
    const n = nodes.get(id)!
    const d = decoded.get(id)!
    const inputKeys: Record<string, string> = {}
    for (const [name, upstream] of Object.entries(inputsOf(n))) inputKeys[name] = byId.get(upstream)!.key
    const external = refs.external.get(id) ?? {}
    issues.push(...checkExternalRefs(n, external, inputKeys, store))
    Object.assign(inputKeys, external)
    const key = computeKey({ plugin: n.def.name, version: n.def.version, keyConfig: d.keyConfig, inputs: inputKeys, files: d.files })
    const s: ResolvedStage = { node: n, config: d.config, keyConfig: d.keyConfig, files: d.files, deps: inputsOf(n), external, key }
    stages.push(s)
    byId.set(id, s)
  }
  if (issues.length > 0) return Either.left(new WorkflowInvalid({ workflow: workflow.name, issues }))
  return Either.right({ workflow, baseDir, stages, byId })
}

export type Decision =
  | { readonly action: "cached"; readonly reason: string }
  | { readonly action: "run"; readonly reason: string }
  | { readonly action: "skip"; readonly reason: string }

/** Every stage downstream of the given ids (inclusive). */
const descendants = (rw: ResolvedWorkflow, ids: ReadonlyArray<string>): Set<string> => {
  const out = new Set(ids)
  for (const s of rw.stages) if (Object.values(s.deps).some((d) => out.has(d))) out.add(s.node.id)
  return out
}

/** Explain, field by field, what changed since the artifact a stage id last produced. */
const whatChanged = (s: ResolvedStage, previous: Manifest | undefined): string => {
  if (!previous) return "never built with this configuration"
  const diffs: string[] = []
  if (previous.stage.version !== s.node.def.version) diffs.push(`stage version ${previous.stage.version} → ${s.node.def.version}`)
  if (previous.stage.plugin !== s.node.def.name) diffs.push(`plugin ${previous.stage.plugin} → ${s.node.def.name}`)
  const walk = (a: unknown, b: unknown, p: string) => {
    if (canonicalJson(a) === canonicalJson(b)) return
    if (a && b && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
      for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) walk((a as any)[k], (b as any)[k], p ? `${p}.${k}` : k)
    } else diffs.push(`config ${p || "(whole)"} ${JSON.stringify(a)} → ${JSON.stringify(b)}`)
  }
  walk(previous.config, s.keyConfig, "")
  for (const name of Object.keys(previous.inputs)) {
    if (s.deps[name] === undefined) diffs.push(`input ${name} removed`)
  }
  for (const name of Object.keys(s.deps)) {
    if (!(name in previous.inputs)) diffs.push(`input ${name} added`)
  }
  const changedInputs = Object.keys(s.deps).filter((n) => previous.inputs[n] !== undefined)
  for (const f of new Set([...Object.keys(previous.files), ...Object.keys(s.files)])) {
    if (previous.files[f] !== s.files[f]) diffs.push(`input file ${f} changed`)
  }
  if (diffs.length === 0 && changedInputs.length > 0) return `an upstream stage's key changed (${changedInputs.join(", ")})`
  return diffs.length ? diffs.join("; ") : "key changed"
}

/**
 * Decide for every stage: cached, run (and why), or skip (outside `--only`). `has(key)` asks the store;
 * `previous(id)` returns the manifest the stage id last produced, to explain a re-run.
 */
export const decide = (
  rw: ResolvedWorkflow,
  selection: Selection,
  has: (key: string) => boolean,
  previous: (id: string) => Manifest | undefined
): Either.Either<ReadonlyMap<string, Decision>, WorkflowInvalid> => {
  const out = new Map<string, Decision>()
  const forced = new Set(selection.force ?? [])
  const from = descendants(rw, selection.from ?? [])
  const only = new Set(selection.only ?? [])
  const issues: Issue[] = []
  for (const s of rw.stages) {
    const id = s.node.id
    if (only.size > 0 && !only.has(id)) {
      out.set(id, { action: "skip", reason: "not selected by --only" })
      continue
    }
    if (only.has(id)) out.set(id, { action: "run", reason: "selected by --only" })
    else if (forced.has(id)) out.set(id, { action: "run", reason: "forced by --force" })
    else if (from.has(id)) out.set(id, { action: "run", reason: `re-run by --from ${(selection.from ?? []).join(",")}` })
    else if (has(s.key)) out.set(id, { action: "cached", reason: `artifact ${s.key} is complete` })
    else out.set(id, { action: "run", reason: whatChanged(s, previous(id)) })
  }
  // with --only, the selected stages' inputs must already be in the store
  for (const id of only) {
    const s = rw.byId.get(id)
    if (!s) continue
    for (const [name, dep] of Object.entries(s.deps)) {
      const d = out.get(dep)
      if (d?.action === "skip" && !has(rw.byId.get(dep)!.key)) {
        issues.push({ stage: id, field: `inputs.${name}`, message: `upstream stage "${dep}" has not been built yet; run without --only first (or add --only ${dep})` })
      }
    }
  }
  return issues.length ? Either.left(new WorkflowInvalid({ workflow: rw.workflow.name, issues })) : Either.right(out)
}
