/**
 * A finished stage's value becomes an artifact: encoded by the stage's output Schema, described by a
 * manifest (where it came from), moved into the store atomically, its checkpoint dropped. Dependents
 * get the value as it comes back from JSON — exactly what a later run reads from the cache.
 */
import { Effect, Schema } from "effect"
import { toolVersion } from "./toolVersion.js"
import type { EngineRun } from "./engineRun.js"
import { PermanentError } from "./errors.js"
import type { ResolvedStage } from "./plan.js"
import { redact } from "./redact.js"
import type { Artifact } from "./Stage.js"
import type { Manifest } from "./store.js"
import { storedRefInputs } from "./artifactRefs.js"

/** How the value was made, for its manifest. */
export interface Provenance {
  readonly metrics: Readonly<Record<string, unknown>>
  readonly startedAt: string
  readonly attempts: number
}

export const commitArtifact = (
  run: EngineRun,
  s: ResolvedStage,
  outDir: string,
  value: unknown,
  made: Provenance
): Effect.Effect<Artifact<unknown>, PermanentError> =>
  Effect.gen(function* () {
    const output = yield* encodeOutput(s, value)
    yield* run.store.commit(outDir, manifestOf(run, s, output, made))
    yield* run.store.clearCheckpoint(s.key)
    const decoded = yield* Schema.decodeUnknown(s.node.def.output)(output).pipe(
      Effect.mapError((e) => new PermanentError({ message: `stage ${s.node.def.name}'s output does not survive JSON: ${e.message}` }))
    )
    return { key: s.key, dir: run.store.artifactDir(s.key), value: decoded }
  })

// internal

/** The encoded output as plain JSON data (what the manifest stores). */
const encodeOutput = (s: ResolvedStage, value: unknown) =>
  Schema.encode(s.node.def.output)(value).pipe(
    Effect.mapError((e) => new PermanentError({ message: `stage ${s.node.def.name} returned a value its output schema rejects: ${e.message}` })),
    Effect.map((encoded) => JSON.parse(JSON.stringify(encoded)) as unknown)
  )

const manifestOf = (run: EngineRun, s: ResolvedStage, output: unknown, made: Provenance): Manifest => ({
  zaoji: 1,
  key: s.key,
  workflow: run.rw.workflow.name,
  stage: { id: s.node.id, plugin: s.node.def.name, version: s.node.def.version },
  config: s.keyConfig,
  inputs: {
    ...Object.fromEntries(Object.entries(s.deps).map(([name, dep]) => [name, { stage: dep, key: run.rw.byId.get(dep)!.key }])),
    ...storedRefInputs(run.store, s.external, s.node.def.output).lineage
  },
  files: s.files,
  output,
  metrics: redact(made.metrics),
  startedAt: made.startedAt,
  endedAt: new Date().toISOString(),
  attempts: made.attempts,
  runId: run.runId,
  toolVersion
})
