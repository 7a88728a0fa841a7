import { Context, Effect, Layer, Scope } from "effect"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { readJsonIfExists, replaceDir, writeFileAtomic } from "./fsAtomic.js"

/** What the store keeps beside every artifact: enough to explain where it came from. */
export interface Manifest {
  readonly zaoji: 1
  readonly key: string
  readonly workflow: string
  readonly stage: { readonly id: string; readonly plugin: string; readonly version: string }
  /** encoded config with secrets redacted — exactly what the key was computed from */
  readonly config: unknown
  readonly inputs: Readonly<Record<string, { readonly stage: string; readonly key: string }>>
  readonly files: Readonly<Record<string, string>>
  /** the stage's encoded output value */
  readonly output: unknown
  readonly metrics: Readonly<Record<string, unknown>>
  readonly startedAt: string
  readonly endedAt: string
  readonly attempts: number
  readonly runId: string
  readonly toolVersion: string
}

export interface ArtifactStoreApi {
  readonly root: string
  readonly artifactDir: (key: string) => string
  readonly checkpointDir: (key: string) => string
  readonly readManifest: (key: string) => Effect.Effect<Manifest | undefined>
  /** a fresh temp folder inside the store, removed when the scope closes unless committed */
  readonly tempDir: (label: string) => Effect.Effect<string, never, Scope.Scope>
  /** move a finished temp folder into place under `key`, manifest last, atomically */
  readonly commit: (tmpDir: string, manifest: Manifest) => Effect.Effect<void>
  readonly clearCheckpoint: (key: string) => Effect.Effect<void>
  readonly listKeys: () => Effect.Effect<ReadonlyArray<string>>
  readonly remove: (key: string) => Effect.Effect<void>
  /** leftovers of killed runs: temp folders and half-swapped artifacts */
  readonly sweepTemp: () => Effect.Effect<number>
}

export class ArtifactStore extends Context.Tag("@zaoji/core/ArtifactStore")<ArtifactStore, ArtifactStoreApi>() {}

const MANIFEST = "manifest.json"

export const makeFsStore = (root: string): ArtifactStoreApi => {
  const artifacts = path.join(root, "artifacts")
  const tmp = path.join(root, "tmp")
  const checkpoints = path.join(root, "checkpoints")
  const artifactDir = (key: string) => path.join(artifacts, key)
  return {
    root,
    artifactDir,
    checkpointDir: (key) => path.join(checkpoints, key),
    readManifest: (key) =>
      Effect.sync(() => {
        try {
          return readJsonIfExists(path.join(artifactDir(key), MANIFEST)) as Manifest | undefined
        } catch {
          return undefined // unreadable manifest = not built; the stage runs again
        }
      }),
    tempDir: (label) =>
      Effect.acquireRelease(
        Effect.sync(() => {
          const dir = path.join(tmp, `${label}-${process.pid}-${randomBytes(4).toString("hex")}`)
          fs.mkdirSync(dir, { recursive: true })
          return dir
        }),
        (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
      ),
    commit: (tmpDir, manifest) =>
      Effect.sync(() => {
        // the whole folder is staged beside its destination, then swapped in with one rename
        const staged = path.join(tmp, `commit-${manifest.key}-${process.pid}-${randomBytes(4).toString("hex")}`)
        fs.renameSync(tmpDir, staged)
        writeFileAtomic(path.join(staged, MANIFEST), JSON.stringify(manifest, null, 2))
        replaceDir(staged, artifactDir(manifest.key))
      }),
    clearCheckpoint: (key) => Effect.sync(() => fs.rmSync(path.join(checkpoints, key), { recursive: true, force: true })),
    listKeys: () =>
      Effect.sync(() =>
        fs.existsSync(artifacts)
          ? fs.readdirSync(artifacts).filter((k) => !k.includes(".old-") && fs.existsSync(path.join(artifacts, k, MANIFEST)))
          : []
      ),
    remove: (key) => Effect.sync(() => fs.rmSync(artifactDir(key), { recursive: true, force: true })),
    sweepTemp: () =>
      Effect.sync(() => {
        let n = 0
        for (const dir of [tmp, artifacts]) {
          if (!fs.existsSync(dir)) continue
          for (const name of fs.readdirSync(dir)) {
            if (dir === tmp || name.includes(".old-")) {
              fs.rmSync(path.join(dir, name), { recursive: true, force: true })
              n++
            }
          }
        }
        return n
      })
  }
}

export const fsStoreLayer = (root: string): Layer.Layer<ArtifactStore> => Layer.sync(ArtifactStore, () => makeFsStore(root))
