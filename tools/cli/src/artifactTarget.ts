/**
 * What `inspect`, `report` and the MODEL argument share: open the store picked by --store /
 * --workflow (with the workflow, when given), and resolve "STAGE|KEY" to an artifact key in it — a
 * unique key prefix, else the stage id as the workflow currently configures it, else the stage id
 * as it was last built (from the journal).
 */
import { ArtifactStore, Journal, resolveWorkflow } from "@zaoji/core"
import { Effect, Either, Option } from "effect"
import { withStore } from "./storeAccess.js"
import { loadOptionalWorkflow, resolveStore } from "./storeOption.js"
import { UsageError } from "./usage.js"

/** `body` over the store (and its journal) picked by --store / --workflow; read-only, no lock taken */
export const inTargetStore = <A, E>(
  store: Option.Option<string>,
  workflowFile: Option.Option<string>,
  body: (storeDir: string, workflow: OptionalWorkflow) => Effect.Effect<A, E, ArtifactStore | Journal>
) =>
  Effect.gen(function* () {
    const storeDir = yield* resolveStore(store, workflowFile)
    const workflow = yield* loadOptionalWorkflow(workflowFile)
    return yield* withStore(storeDir, body(storeDir, workflow))
  })

/** the workflow given with --workflow, loaded */
export type OptionalWorkflow = Effect.Effect.Success<ReturnType<typeof loadOptionalWorkflow>>

export const findArtifactKey = (target: string, workflow: OptionalWorkflow) =>
  Effect.gen(function* () {
    const store = yield* ArtifactStore
    const journal = yield* Journal
    const keys = yield* store.listKeys()
    const byPrefix = target.length >= 4 ? keys.filter((k) => k.startsWith(target)) : []
    if (byPrefix.length > 1) {
      return yield* Effect.fail(new UsageError({ message: `"${target}" matches ${byPrefix.length} artifact keys; give more characters` }))
    }
    if (byPrefix.length === 1) return byPrefix[0]
    if (Option.isSome(workflow)) {
      const rw = resolveWorkflow(workflow.value.workflow, workflow.value.baseDir)
      const key = Either.isRight(rw) ? rw.right.byId.get(target)?.key : undefined
      if (key !== undefined && (yield* store.readManifest(key)) !== undefined) return key
    }
    for (const r of yield* journal.runs(1000)) {
      const s = (yield* journal.stages(r.id)).find((x) => x.stageId === target && (x.status === "done" || x.status === "cached"))
      if (s) return s.key
    }
    return undefined
  })

/** The artifact folder of STAGE|KEY in the store picked by --store / --workflow. */
export const resolveArtifactTarget = (target: string, store: Option.Option<string>, workflowFile: Option.Option<string>) =>
  inTargetStore(store, workflowFile, (storeDir, workflow) =>
    Effect.gen(function* () {
      const key = yield* findArtifactKey(target, workflow)
      if (key === undefined) {
        return yield* Effect.fail(
          new UsageError({ message: `no artifact for "${target}" in ${storeDir} (it is neither a folder, a built stage id nor an artifact key)` })
        )
      }
      return (yield* ArtifactStore).artifactDir(key)
    })
  )
