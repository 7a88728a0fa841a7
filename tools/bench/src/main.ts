/**
 * `npm run bench [-- SUITE…] [--quick] [--no-torch] [--no-threaded]`: every benchmark of the project,
 * printed as tables (and written to bench-results/latest.md). Suites: engine, metrics, runtime,
 * training, cli (default: all). The cli suite times whole `zaoji` processes from the build against
 * the sources under tsx. The runtime and training suites run the PyTorch reference doing the same
 * work in the same invocation and print ratios; `--no-threaded` skips the threaded-WASM measurements.
 * PyTorch is looked for once, before any suite: when it is missing the install command is printed (or,
 * on a terminal, offered) and the suites run without the reference.
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { cpus } from "node:os"
import { benchCli, formatCliBench } from "./cli.js"
import { benchEngine, formatTable } from "./engine.js"
import { benchMetrics } from "./metrics.js"
import { benchRuntime, formatRuntimeTable } from "./runtime.js"
import { benchRecompute, benchTraining, formatRecomputeBench, formatTrainingBench } from "./training.js"
import { findTorchPython } from "./torchPython.js"

const args = process.argv.slice(2)
// `gpu` is a command of its own (packing or running the GPU device check, see gpu/command.ts), never part of "all"
if (args[0] === "gpu") process.exit(await (await import("./gpu/command.js")).gpuCommand(args.slice(1)))
const quick = args.includes("--quick")
const threadedThreads = args.includes("--no-threaded") ? 0 : 2
const suites = args.filter((a) => !a.startsWith("--"))
const wanted = (s: string) => suites.length === 0 || suites.includes(s)
const known = ["engine", "metrics", "runtime", "training", "cli", "cluster"]
const unknown = suites.filter((s) => !known.includes(s))
if (unknown.length > 0) {
  console.error(`unknown benchmark suite ${unknown.join(", ")}: expected any of ${known.join(", ")}`)
  process.exit(2)
}

const out: string[] = [`# Zaoji benchmarks — ${new Date().toISOString()}, ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, node ${process.version}`, ""]
const section = (title: string, table: string, markdown = false) => {
  const block = markdown ? `## ${title}\n\n${table}\n` : `## ${title}\n\n\`\`\`\n${table}\n\`\`\`\n`
  console.log(block)
  out.push(block)
}

const needsTorch = (wanted("runtime") || wanted("training")) && !args.includes("--no-torch")
const torch = needsTorch ? await findTorchPython() : false

if (wanted("engine")) section("engine (200 no-op stages; planning over a 256 MiB input)", formatTable(await benchEngine({ stages: quick ? 50 : 200 })))
if (wanted("metrics")) {
  const rows = await benchMetrics({ pairs: quick ? 1000 : 10_000 })
  section("text metrics", formatTable(rows))
}
const log = (l: string) => console.error(l)
if (wanted("runtime")) section("GLM runtime, small preset", formatRuntimeTable(await benchRuntime({ quick, torch, threadedThreads, log })), true)
if (wanted("training"))
  section("training, small preset", formatTrainingBench(await benchTraining({ minSeconds: quick ? 3 : 10, rounds: quick ? 1 : 2, torch, threadedThreads, onResult: log })), true)
if (wanted("training")) section("activation recomputation (training setting recompute)", formatRecomputeBench(await benchRecompute({ steps: quick ? 1 : 3, onResult: log })), true)

if (suites.includes("cluster")) section("cluster dispatch (3 runner processes, one PostgreSQL) vs embedded", formatTable(await (await import("./cluster.js")).benchCluster({ log })))
if (wanted("cli")) section("CLI start-up (whole processes: the build vs the sources under tsx)", formatCliBench(await benchCli({ runs: quick ? 3 : 7, log })), true)

mkdirSync("bench-results", { recursive: true })
writeFileSync("bench-results/latest.md", out.join("\n"))
console.log("written to bench-results/latest.md")
