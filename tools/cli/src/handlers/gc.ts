import { acquireStoreLock, ArtifactStore, Journal, resolveWorkflow } from "@zaoji/core"
import { Effect, Either, Option } from "effect"
import { printLine } from "../print.js"
import * as fs from "node:fs"
import * as path from "node:path"
import { withStore } from "../storeAccess.js"
import { resolveStore } from "../storeOption.js"
import { loadWorkflow } from "../workflowFile.js"
import type { GcArgs } from "../commands/gc.js"

const sizeOf = (p: string): number => {
  const st = fs.statSync(p, { throwIfNoEntry: false })
  if (!st) return 0
  if (!st.isDirectory()) return st.size
  return fs.readdirSync(p).reduce((n, f) => n + sizeOf(path.join(p, f)), 0)
}

export default (a: GcArgs) =>
  Effect.gen(function* () {
    const storeDir = yield* resolveStore(a.store, a.workflows.length ? Option.some(a.workflows[0]) : Option.none())
    const files = a.workflows.length
      ? a.workflows
      : fs.readdirSync(path.dirname(storeDir)).filter((f) => f.endsWith(".workflow.ts")).map((f) => path.join(path.dirname(storeDir), f))
    // keep what each workflow references as written; a workflow that does not resolve stops gc,
    // since its artifacts cannot be told apart from garbage
    const keep = new Set<string>()
    const names = new Set<string>()
    for (const f of files) {
      const { workflow, baseDir } = yield* loadWorkflow(f)
      names.add(workflow.name)
      const rw = resolveWorkflow(workflow, baseDir)
      if (Either.isLeft(rw)) return yield* Effect.fail(rw.left)
      // with the artifacts their reference fields (continueFrom) name by store key
      for (const s of rw.right.stages) for (const k of [s.key, ...Object.values(s.external)]) keep.add(k)
    }
    yield* Effect.scoped(
      Effect.gen(function* () {
        yield* acquireStoreLock(storeDir, "zaoji gc")
        yield* withStore(
          storeDir,
          Effect.gen(function* () {
            const store = yield* ArtifactStore
            const journal = yield* Journal
            // and what the latest run of each of those workflows used (it may have had --set overrides)
            const runs = yield* journal.runs(10_000)
            for (const name of names) {
              const last = runs.find((r) => r.workflow === name && r.status === "done")
              if (last) for (const s of yield* journal.stages(last.id)) keep.add(s.key)
            }
            const garbage = (yield* store.listKeys()).filter((k) => !keep.has(k))
            let bytes = 0
            for (const k of garbage) {
              bytes += sizeOf(store.artifactDir(k))
              if (!a.dryRun) {
                yield* store.remove(k)
                yield* store.clearCheckpoint(k)
              }
            }
            const ckDir = path.join(storeDir, "checkpoints")
            const staleCheckpoints = fs.existsSync(ckDir) ? fs.readdirSync(ckDir).filter((k) => !keep.has(k)) : []
            for (const k of staleCheckpoints) {
              bytes += sizeOf(path.join(ckDir, k))
              if (!a.dryRun) yield* store.clearCheckpoint(k)
            }
            const temp = a.dryRun ? 0 : yield* store.sweepTemp()
            if (a.json) {
              yield* printLine(JSON.stringify({ removed: garbage, checkpoints: staleCheckpoints, temp, bytes, kept: keep.size, dryRun: a.dryRun }))
            } else {
              for (const k of garbage) yield* printLine(`${a.dryRun ? "would remove" : "removed"} ${k}`)
              yield* printLine(
                `${a.dryRun ? "would free" : "freed"} ${(bytes / 1e6).toFixed(1)} MB: ${garbage.length} artifact(s), ` +
                  `${staleCheckpoints.length} checkpoint(s), ${temp} temp folder(s); ${keep.size} key(s) referenced by ${files.length} workflow(s)`
              )
            }
          })
        )
      })
    )
  })
