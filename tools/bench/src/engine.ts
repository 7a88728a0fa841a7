/**
 * Engine overhead: a generated workflow of no-op stages (default 200, in layers of 10, each stage
 * wired to one stage of the layer before) run cold into a fresh store, re-run fully cached, and
 * planned. Everything the engine does per stage is measured — keys, journal rows, temp folders,
 * atomic moves, manifests — and nothing else, since the stages do no work.
 */
import { planWorkflow, runWorkflow, Stage, Workflow, type Handle } from "@zaoji/core"
import { Effect, Schema } from "effect"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { pathToFileURL } from "node:url"

export interface Row {
  readonly name: string
  readonly value: number
  readonly unit: string
  readonly note?: string
}

const Out = Schema.Struct({ n: Schema.Number })

const noop = Stage.make({
  name: "bench.noop",
  version: "1",
  config: Schema.Struct({ n: Schema.Number }),
  output: Out,
  inputs: Stage.inputsWithOptional<{ prev: typeof Out.Type | undefined }>(["prev"], ["prev"]),
  run: ({ config }) => Effect.succeed({ n: config.n })
})

export const generatedWorkflow = (stages: number, width = 10) =>
  Workflow.make(`bench-${stages}`, (w) => {
    const handles: Array<Handle<typeof Out.Type>> = []
    for (let i = 0; i < stages; i++) {
      const prev = i >= width ? handles[i - width] : undefined
      handles.push(prev ? w.stage(`s${i}`, noop, { n: i }, { prev }) : w.stage(`s${i}`, noop, { n: i }))
    }
  })

const time = async <A>(f: () => Promise<A>): Promise<[number, A]> => {
  const t0 = performance.now()
  const a = await f()
  return [performance.now() - t0, a]
}

export const benchEngine = async (opts: { readonly stages?: number } = {}): Promise<Row[]> => {
  const n = opts.stages ?? 200
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zaoji-bench-engine-"))
  try {
    const workflow = generatedWorkflow(n)
    const storeDir = path.join(dir, ".zaoji")
    const run = () => Effect.runPromise(runWorkflow({ workflow, baseDir: dir, storeDir }))
    const [cold, first] = await time(run)
    const [cached, second] = await time(run)
    const [plan, rows] = await time(() => Effect.runPromise(planWorkflow({ workflow, baseDir: dir, storeDir })))
    const ran = first.stages.filter((s) => s.status === "done").length
    const hits = second.stages.filter((s) => s.status === "cached").length
    const planned = rows.filter((r) => r.action === "cached").length
    if (ran !== n || hits !== n || planned !== n) throw new Error(`engine bench: expected ${n} stages each time, got ${ran} ran / ${hits} cached / ${planned} planned`)
    const per = (ms: number) => `${(ms / n).toFixed(2)} ms/stage`
    return [
      { name: `engine: cold run, ${n} no-op stages`, value: Math.round(cold), unit: "ms", note: per(cold) },
      { name: `engine: fully cached re-run, ${n} stages`, value: Math.round(cached), unit: "ms", note: per(cached) },
      { name: `engine: plan, ${n} stages`, value: Math.round(plan), unit: "ms", note: per(plan) }
    ]
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

export const formatTable = (rows: ReadonlyArray<Row>): string => {
  const w = Math.max(...rows.map((r) => r.name.length))
  return [
    `${"benchmark".padEnd(w)}  ${"value".padStart(8)}  unit  note`,
    ...rows.map((r) => `${r.name.padEnd(w)}  ${String(r.value).padStart(8)}  ${r.unit.padEnd(4)}  ${r.note ?? ""}`)
  ].join("\n")
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const stages = Number(process.argv[2] ?? 200)
  console.log(formatTable(await benchEngine({ stages })))
}
