import { ArtifactStore, type Manifest } from "@zaoji/core"
import { Effect } from "effect"
import { findArtifactKey, inTargetStore } from "../artifactTarget.js"
import { printLine } from "../print.js"
import { UsageError } from "../usage.js"
import type { InspectArgs } from "../commands/inspect.js"

interface Lineage {
  readonly key: string
  readonly stage: string
  readonly plugin: string
  readonly version: string
  readonly endedAt: string
  readonly inputs: ReadonlyArray<Lineage & { readonly input: string }>
}

export default (a: InspectArgs) =>
  inTargetStore(a.store, a.workflow, (storeDir, wf) =>
    Effect.gen(function* () {
      const store = yield* ArtifactStore
      const key = yield* findArtifactKey(a.target, wf)
      const manifest = key ? yield* store.readManifest(key) : undefined
      if (!key || !manifest) {
        return yield* Effect.fail(
          new UsageError({ message: `no artifact for "${a.target}" in ${storeDir} (it is neither a built stage id nor an artifact key)` })
        )
      }
      const lineage = (m: Manifest): Effect.Effect<Lineage> =>
        Effect.gen(function* () {
          const inputs: Array<Lineage & { input: string }> = []
          for (const [input, ref] of Object.entries(m.inputs)) {
            const up = yield* store.readManifest(ref.key)
            if (up) inputs.push({ input, ...(yield* lineage(up)) })
            else inputs.push({ input, key: ref.key, stage: ref.stage, plugin: "?", version: "?", endedAt: "(artifact removed)", inputs: [] })
          }
          return { key: m.key, stage: m.stage.id, plugin: m.stage.plugin, version: m.stage.version, endedAt: m.endedAt, inputs }
        })
      const tree = yield* lineage(manifest)
      if (a.json) {
        yield* printLine(JSON.stringify({ dir: store.artifactDir(key), manifest, lineage: tree }, null, 2))
        return
      }
      yield* printLine(`artifact ${key}\n  folder   ${store.artifactDir(key)}`)
      yield* printLine(`  stage    ${manifest.stage.id} (${manifest.stage.plugin} v${manifest.stage.version}), workflow ${manifest.workflow}`)
      yield* printLine(`  built    ${manifest.startedAt} → ${manifest.endedAt}, ${manifest.attempts} attempt(s), run ${manifest.runId}, zaoji ${manifest.toolVersion}`)
      yield* printLine(`  config   ${JSON.stringify(manifest.config)}`)
      for (const [f, h] of Object.entries(manifest.files)) yield* printLine(`  file     ${f} (sha256 ${h.slice(0, 12)})`)
      yield* printLine(`  metrics  ${JSON.stringify(manifest.metrics)}`)
      yield* printLine(`  output   ${JSON.stringify(manifest.output)}`)
      yield* printLine(`lineage:`)
      const print = (l: Lineage, indent: string, label: string): Effect.Effect<void> =>
        Effect.gen(function* () {
          yield* printLine(`${indent}${label}${l.stage} (${l.plugin} v${l.version}) ${l.key.slice(0, 12)} ${l.endedAt}`)
          for (const i of l.inputs) yield* print(i, indent + "  ", `${i.input} ← `)
        })
      yield* print(tree, "  ", "")
    })
  )
