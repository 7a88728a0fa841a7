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

const reader = Stage.make({
  name: "bench.reader",
  version: "1",
  config: Schema.Struct({ file: Schema.String }),
  output: Out,
  inputs: Stage.inputs(),
  files: (c) => [c.file],
  run: () => Effect.succeed({ n: 0 })
})

/** a settled input file of `mb` MiB (last written a minute ago, so the hash cache may keep it) */
const bigInput = (dir: string, mb: number): string => {
  const file = path.join(dir, "corpus.bin")
  const chunk = Buffer.alloc(1 << 20)
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 2654435761) >>> 24
  const fd = fs.openSync(file, "w")
  try {
    for (let i = 0; i < mb; i++) fs.writeSync(fd, chunk)
  } finally {
    fs.closeSync(fd)
  }
  const past = new Date(Date.now() - 60_000)
  fs.utimesSync(file, past, past)
  return file
}

const time = async <A>(f: () => Promise<A>): Promise<[number, A]> => {
  const t0 = performance.now()
  const a = await f()
  return [performance.now() - t0, a]
}

export const benchEngine = async (opts: { readonly stages?: number; readonly inputMiB?: number } = {}): Promise<Row[]> => {
  const n = opts.stages ?? 200
  const mb = opts.inputMiB ?? 256
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

    // planning a workflow whose input is a large file: the first plan hashes it, later ones use the cache
    const file = bigInput(dir, mb)
    const one = Workflow.make("bench-input", (w) => void w.stage("read", reader, { file }))
    const planOne = () => Effect.runPromise(planWorkflow({ workflow: one, baseDir: dir, storeDir: path.join(dir, ".zaoji-input") }))
    const [hashing] = await time(planOne)
    const [cachedHash] = await time(planOne)
    return [
      { name: `engine: cold run, ${n} no-op stages`, value: Math.round(cold), unit: "ms", note: per(cold) },
      { name: `engine: fully cached re-run, ${n} stages`, value: Math.round(cached), unit: "ms", note: per(cached) },
      { name: `engine: plan, ${n} stages`, value: Math.round(plan), unit: "ms", note: per(plan) },
      { name: `engine: plan over a ${mb} MiB input, first`, value: Math.round(hashing), unit: "ms", note: `${(mb / (hashing / 1000)).toFixed(0)} MiB/s hashed` },
      { name: `engine: plan over a ${mb} MiB input, again`, value: Math.round(cachedHash), unit: "ms", note: `hash cache: ${(hashing / Math.max(cachedHash, 0.001)).toFixed(0)}× faster` }
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
