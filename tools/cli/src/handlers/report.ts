import { ArtifactStore, Journal } from "@zaoji/core"
import { Effect, Either, Option } from "effect"
import * as fs from "node:fs"
import * as path from "node:path"
import { findArtifactKey, inTargetStore } from "../artifactTarget.js"
import { printLine } from "../print.js"
import { UsageError } from "../usage.js"
import type { ReportArgs } from "../commands/report.js"

/**
 * `zaoji report [TARGET] [--markdown] [--headline]`: the results table of an evaluation stage
 * (`metrics.compare`) from its metrics.json — metrics × models, each value with its 95% bootstrap
 * interval and set size — followed by the forgetting-gate, leakage and flag verdicts. TARGET is
 * a metrics.json file, a folder holding one (an artifact folder, a failed run's report folder), a
 * stage id or artifact key in the store (`--store DIR` / `--workflow FILE`), or a run id; without
 * TARGET, the evaluation stages of the store's latest run.
 */

const METRICS = "metrics.json"

interface Found {
  /** how the report is named in a heading when several are printed */
  readonly name: string
  readonly file: string
}

/** TARGET as a file or folder on disk (undefined when no such path exists) */
const onDisk = (target: string): Effect.Effect<Found | undefined, UsageError> =>
  Effect.gen(function* () {
    if (!fs.existsSync(target)) return undefined
    const file = fs.statSync(target).isDirectory() ? path.join(target, METRICS) : target
    if (!fs.existsSync(file)) return yield* Effect.fail(new UsageError({ message: `${target} holds no ${METRICS} (expected an evaluation stage's artifact folder)` }))
    return { name: target, file }
  })

/** TARGET (stage id, key, run id) or the latest run, in the store */
const inStore = (target: string | undefined, store: Option.Option<string>, workflowFile: Option.Option<string>) =>
  inTargetStore(store, workflowFile, (storeDir, wf) =>
    Effect.gen(function* () {
      const artifacts = yield* ArtifactStore
      const journal = yield* Journal
      if (target !== undefined) {
        const key = yield* findArtifactKey(target, wf)
        if (key !== undefined) {
          const file = path.join(artifacts.artifactDir(key), METRICS)
          if (!fs.existsSync(file)) {
            const m = yield* artifacts.readManifest(key)
            return yield* Effect.fail(
              new UsageError({ message: `${target} (${m ? `stage ${m.stage.id}, ${m.stage.plugin}` : key}) has no ${METRICS}: it is not an evaluation (metrics.compare) stage` })
            )
          }
          return [{ name: target, file }]
        }
      }
      const runs = yield* journal.runs(1000)
      const run = target === undefined ? runs[0] : runs.find((r) => r.id.startsWith(target))
      if (run === undefined)
        return yield* Effect.fail(
          new UsageError({
            message:
              target === undefined
                ? `no runs in ${storeDir} yet`
                : `"${target}" is neither a file, a folder, a built stage id, an artifact key nor a run id in ${storeDir}`
          })
        )
      const stages = (yield* journal.stages(run.id)).filter((s) => s.status === "done" || s.status === "cached")
      const found = stages.map((s) => ({ name: s.stageId, file: path.join(artifacts.artifactDir(s.key), METRICS) })).filter((f) => fs.existsSync(f.file))
      if (found.length === 0) return yield* Effect.fail(new UsageError({ message: `run ${run.id} has no finished evaluation stage (none left a ${METRICS})` }))
      return found
    })
  )

const readMetrics = (file: string) =>
  Effect.gen(function* () {
    const { decodeMetricsFile } = yield* Effect.promise(() => import("@zaoji/metrics/kit"))
    const json = yield* Effect.try({
      try: () => JSON.parse(fs.readFileSync(file, "utf8")) as unknown,
      catch: (e) => new UsageError({ message: `${file}: not readable JSON (${(e as Error).message})` })
    })
    const decoded = decodeMetricsFile(json)
    if (Either.isLeft(decoded)) return yield* Effect.fail(new UsageError({ message: `${file}: not a metrics.compare metrics.json (${decoded.left})` }))
    return decoded.right
  })

export default (a: ReportArgs) =>
  Effect.gen(function* () {
    const target = Option.getOrUndefined(a.target)
    const digits = Option.getOrUndefined(a.digits)
    if (digits !== undefined && (digits < 0 || digits > 10)) return yield* Effect.fail(new UsageError({ message: `--digits ${digits}: expected 0 to 10` }))
    const direct = target !== undefined ? yield* onDisk(target) : undefined
    const found = direct !== undefined ? [direct] : yield* inStore(target, a.store, a.workflow)
    const { displayRows, headlineRows, metricRows, renderResults } = yield* Effect.promise(() => import("@zaoji/metrics/kit"))
    for (const [i, f] of found.entries()) {
      const m = yield* readMetrics(f.file)
      if (a.json) {
        const all = metricRows(m.models.map((x) => ({ scores: x.scores as never })))
        const rows = (a.headline ? headlineRows(all) : displayRows(all)).map((r) => ({
          id: r.id,
          label: r.label,
          values: Object.fromEntries(m.models.map((x, j) => [x.name, r.values[j] ?? null]))
        }))
        yield* printLine(JSON.stringify({ report: f.name, file: f.file, title: m.title, rows, gate: m.gate ?? null, leakage: m.leakage ?? null, flags: m.flags ?? [] }))
        continue
      }
      if (found.length > 1) yield* printLine(`${i > 0 ? "\n" : ""}${a.markdown ? "### " : "== "}${f.name}\n`)
      yield* printLine(renderResults(m, { format: a.markdown ? "markdown" : "text", headline: a.headline, digits }).trimEnd())
    }
  })
