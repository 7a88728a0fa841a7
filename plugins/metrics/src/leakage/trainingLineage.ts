/**
 * The training data in a model's lineage, read from the store's manifests.
 *
 * Every artifact folder of the store (`<store>/artifacts/<key>/`) holds a `manifest.json` naming the
 * stage that made it and the keys of that stage's inputs, so the inputs of an artifact are its
 * sibling folders. A *model stage* is one whose output names a model folder (`model`, as
 * glm-runtime's `ModelArtifact` does). Walking up from an evaluated model:
 *
 * - each model stage's inputs that are datasets (an output naming a `file`: QA pairs, a corpus, …)
 *   are data it trained on (`data`, `validation`, a pretraining `corpus`);
 * - its inputs that are models are walked in turn (stage 2 → stage 1 → base), so a model's
 *   training data includes everything every upstream training stage saw;
 * - a model imported from a checkpoint (`method: "import"`) has no known training data here;
 * - an input whose manifest is missing (collected by hand, or a model built outside a store) is
 *   listed as unresolved, so a report can say the check was incomplete instead of "clean".
 */
import { existsSync, readFileSync } from "node:fs"
import { basename, dirname, join } from "node:path"

export interface TrainingSource {
  /** the stage id of the model stage that trained on it, and its key */
  readonly trainedBy: string
  readonly trainedByKey: string
  /** the input name of that stage (`data`, `validation`, `corpus`, …) */
  readonly input: string
  /** the stage id and key of the dataset artifact */
  readonly stage: string
  readonly key: string
  /** the dataset file: absolute, and relative to its artifact (as its output names it) */
  readonly path: string
  readonly file: string
  readonly kind?: string
}

export interface UnresolvedLineage {
  readonly stage: string
  readonly key: string
  readonly reason: string
}

export interface TrainingLineage {
  /** keys of the model artifacts the model was trained from, nearest first (itself excluded) */
  readonly ancestors: ReadonlyArray<string>
  readonly sources: ReadonlyArray<TrainingSource>
  /** models imported from a checkpoint: what they were trained on is not known here */
  readonly imported: ReadonlyArray<{ readonly stage: string; readonly key: string }>
  readonly unresolved: ReadonlyArray<UnresolvedLineage>
}

interface ManifestView {
  readonly stage?: { readonly id?: string }
  readonly inputs?: Readonly<Record<string, { readonly stage: string; readonly key: string }>>
  readonly output?: unknown
}

const readManifest = (dir: string): ManifestView | undefined => {
  const file = join(dir, "manifest.json")
  if (!existsSync(file)) return undefined
  try {
    return JSON.parse(readFileSync(file, "utf8")) as ManifestView
  } catch {
    return undefined
  }
}

const field = (v: unknown, name: string): unknown => (v !== null && typeof v === "object" ? (v as Record<string, unknown>)[name] : undefined)
const isModelOutput = (v: unknown): boolean => typeof field(v, "model") === "string"
const datasetFile = (v: unknown): string | undefined => (typeof field(v, "file") === "string" && !isModelOutput(v) ? (field(v, "file") as string) : undefined)

/**
 * The training lineage of the model artifact in `dir` (key `key`); `value` is its output value,
 * used when the folder has no manifest of its own.
 */
export const trainingLineage = (artifact: { readonly dir: string; readonly key: string; readonly value: unknown }): TrainingLineage => {
  // an artifact's inputs live beside it in the store, each in the folder named by its key
  const artifactsDir = dirname(artifact.dir)
  const dirOf = (key: string) => (key === artifact.key ? artifact.dir : join(artifactsDir, key))
  const sources: Array<TrainingSource> = []
  const imported: Array<{ stage: string; key: string }> = []
  const unresolved: Array<UnresolvedLineage> = []
  const ancestors: Array<string> = []
  const seenModels = new Set<string>()
  const seenSources = new Set<string>()

  const walkModel = (key: string, stageId: string, isRoot: boolean): void => {
    if (seenModels.has(key)) return
    seenModels.add(key)
    if (!isRoot) ancestors.push(key)
    const manifest = readManifest(dirOf(key))
    if (manifest === undefined) {
      unresolved.push({ stage: stageId, key, reason: isRoot && basename(artifact.dir) !== key ? "the model is not in a store (no manifest.json beside it)" : "no manifest.json: its lineage is unknown" })
      return
    }
    const stage = manifest.stage?.id ?? stageId
    const output = manifest.output ?? (isRoot ? artifact.value : undefined)
    if (field(output, "method") === "import") {
      imported.push({ stage, key })
      return
    }
    for (const [input, ref] of Object.entries(manifest.inputs ?? {})) {
      const upDir = dirOf(ref.key)
      const up = readManifest(upDir)
      if (up === undefined) {
        unresolved.push({ stage: ref.stage, key: ref.key, reason: `input "${input}" of ${stage}: artifact ${ref.key} is not in the store (collected?)` })
        continue
      }
      if (isModelOutput(up.output)) {
        walkModel(ref.key, ref.stage, false)
        continue
      }
      const file = datasetFile(up.output)
      if (file === undefined) continue
      const path = join(upDir, file)
      if (seenSources.has(path)) continue
      seenSources.add(path)
      if (!existsSync(path)) {
        unresolved.push({ stage: ref.stage, key: ref.key, reason: `input "${input}" of ${stage}: ${file} is missing from its artifact` })
        continue
      }
      const kind = field(up.output, "kind")
      sources.push({ trainedBy: stage, trainedByKey: key, input, stage: ref.stage, key: ref.key, path, file, ...(typeof kind === "string" ? { kind } : {}) })
    }
  }
  walkModel(artifact.key, "(model)", true)
  return { ancestors, sources, imported, unresolved }
}
