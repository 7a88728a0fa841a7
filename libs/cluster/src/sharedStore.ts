/**
 * The artifact store on a path every runner mounts. It is the embedded folder store (same layout,
 * same commit protocol: stage in `tmp/`, manifest last, one rename into `artifacts/`) with one
 * difference: it never sweeps `tmp/` wholesale, because other runners' stages are staging there at the
 * same moment. See the README for what the protocol assumes of a shared filesystem.
 */
import { ArtifactStore, makeFsStore, type ArtifactStoreApi, type resolveWorkflow } from "@zaoji/core"
import { Effect, Layer } from "effect"

export const makeSharedStore = (root: string): ArtifactStoreApi => ({ ...makeFsStore(root), sweepTemp: () => Effect.succeed(0) })

export const sharedStoreLayer = (root: string): Layer.Layer<ArtifactStore> => Layer.sync(ArtifactStore, () => makeSharedStore(root))

/**
 * What planning reads of the shared store: reference fields that name an artifact by store key
 * (`continueFrom: KEY`) are checked against it (it exists, is of the stage's type, was built from the
 * same inputs) by the submitter and again by the runner, as on one machine.
 */
export const sharedStoreView = (root: string): NonNullable<Parameters<typeof resolveWorkflow>[5]> => {
  const store = makeSharedStore(root)
  return { root, readManifest: (key) => Effect.runSync(store.readManifest(key)), artifactDir: store.artifactDir }
}
