/** A stored artifact as a stage's dependents see it. */
import { Either, Schema } from "effect"
import type { ResolvedStage } from "./plan.js"
import type { Artifact } from "./Stage.js"
import type { ArtifactStoreApi, Manifest } from "./store.js"

/** Decode a stored artifact's output; a schema that no longer accepts it means "rebuild". */
export const loadArtifact = (store: ArtifactStoreApi, s: ResolvedStage, m: Manifest | undefined): Artifact<unknown> | undefined => {
  if (!m) return undefined
  const v = Schema.decodeUnknownEither(s.node.def.output)(m.output)
  return Either.isRight(v) ? { key: s.key, dir: store.artifactDir(s.key), value: v.right } : undefined
}
