/**
 * The artifact store on a path every runner mounts. It is the embedded folder store (same layout,
 * same commit protocol: stage in `tmp/`, manifest last, one rename into `artifacts/`) with one
 * difference: it never sweeps `tmp/` wholesale, because other runners' stages are staging there at the
 * same moment. See the README for what the protocol assumes of a shared filesystem.
 */
import { ArtifactStore, makeFsStore, type ArtifactStoreApi } from "@zaoji/core"
import { Effect, Layer } from "effect"

export const makeSharedStore = (root: string): ArtifactStoreApi => ({ ...makeFsStore(root), sweepTemp: () => Effect.succeed(0) })

export const sharedStoreLayer = (root: string): Layer.Layer<ArtifactStore> => Layer.sync(ArtifactStore, () => makeSharedStore(root))
