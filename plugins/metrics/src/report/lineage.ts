/**
 * Lineage for the report: where each model and data set came from.
 *
 * - A model artifact's lineage is read from the `manifest.json` the store writes beside it (stage,
 *   plugin, version, key, config, inputs, recorded metrics), or just its key when there is none.
 * - Training-loss curves are taken from that manifest's metrics (every field holding an array of
 *   `{ step, loss }` records, e.g. `loss_curve`, `eval_curve`, is one curve named after the field),
 *   or, when the manifest has none, from such fields of the output value (top level or one level
 *   down, e.g. `training.lossCurve`).
 * - A data set is identified by its path (relative to the workflow folder, or, for a set wired from
 *   an upstream stage, to that stage's artifact, whose store key is recorded too), the SHA-256 of its
 *   bytes and its row count.
 */
import { createHash } from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import type { Artifact } from "@zaoji/core"
import type { Curve } from "./svg.js"

export interface ModelLineage {
  readonly key: string
  readonly stage?: string
  readonly plugin?: string
  readonly version?: string
  readonly workflow?: string
  readonly config?: unknown
  readonly inputs?: Readonly<Record<string, { readonly stage: string; readonly key: string }>>
  readonly metrics?: Readonly<Record<string, unknown>>
  readonly endedAt?: string
}

export interface DatasetLineage {
  readonly role: string
  readonly path: string
  readonly sha256: string
  readonly rows: number
  /** for a set wired from an upstream stage: the input name and the artifact's store key */
  readonly input?: string
  readonly artifactKey?: string
}

const readManifest = (dir: string): any | undefined => {
  const file = join(dir, "manifest.json")
  if (!existsSync(file)) return undefined
  try {
    return JSON.parse(readFileSync(file, "utf8"))
  } catch {
    return undefined
  }
}

const isCurve = (v: unknown): v is ReadonlyArray<{ step: number; loss: number }> =>
  Array.isArray(v) &&
  v.length > 0 &&
  v.every((p) => typeof p === "object" && p !== null && typeof (p as any).step === "number" && typeof (p as any).loss === "number")

/** scalar metrics only (curves are charted, not tabulated) */
const scalarMetrics = (m: Record<string, unknown> | undefined): Record<string, unknown> | undefined => {
  if (m === undefined) return undefined
  return Object.fromEntries(Object.entries(m).filter(([, v]) => !Array.isArray(v) && (typeof v !== "object" || v === null)))
}

export const modelLineage = (artifact: Artifact<unknown>): ModelLineage => {
  const m = readManifest(artifact.dir)
  if (m === undefined) return { key: artifact.key }
  return {
    key: artifact.key,
    stage: m.stage?.id,
    plugin: m.stage?.plugin,
    version: m.stage?.version,
    workflow: m.workflow,
    config: m.config,
    inputs: m.inputs,
    metrics: scalarMetrics(m.metrics),
    endedAt: m.endedAt
  }
}

export const lossCurves = (artifact: Artifact<unknown>): Array<Curve> => {
  const collect = (src: unknown, prefix: string, depth: number, out: Array<Curve>) => {
    if (src === null || typeof src !== "object" || Array.isArray(src)) return
    for (const [name, v] of Object.entries(src as Record<string, unknown>)) {
      if (isCurve(v)) out.push({ name: prefix + name, points: v.map((p) => ({ step: p.step, loss: p.loss })) })
      else if (depth > 0) collect(v, `${prefix}${name}.`, depth - 1, out)
    }
  }
  // the manifest's metrics are the record of the run; the output value is the fallback
  const fromManifest: Array<Curve> = []
  collect(readManifest(artifact.dir)?.metrics, "", 0, fromManifest)
  if (fromManifest.length > 0) return fromManifest
  const fromValue: Array<Curve> = []
  collect(artifact.value, "", 1, fromValue)
  return fromValue
}

export const fileSha256 = (file: string): string => createHash("sha256").update(readFileSync(file)).digest("hex")
