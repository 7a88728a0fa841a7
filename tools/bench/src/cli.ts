/**
 * CLI start-up: `zaoji --help`, `status`, `runs` and `plan workflows/hepatobiliary.workflow.ts`,
 * each timed as a whole process (spawn to exit), from the build (tools/cli/dist, what `npm ci`'s
 * prepare makes) and — the reference, in the same run — from the TypeScript sources under tsx (how
 * the CLI ran before it had a build). The two are interleaved run by run, so both see the same
 * load; the median of each is printed with their ratio, and the machine's cores and load average
 * beside them (start-up time on a shared machine follows its load).
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

export interface CliBenchRow {
  readonly command: string
  readonly runs: number
  /** median seconds from the build, and from the sources (the reference) */
  readonly build: number
  readonly sources: number
}

export interface CliBench {
  readonly rows: ReadonlyArray<CliBenchRow>
  /** median milliseconds of the bin's check that the build matches the sources */
  readonly checkMs: number
  readonly checkedFiles: number
  readonly cores: number
  readonly cpu: string
  readonly loadBefore: ReadonlyArray<number>
  readonly loadAfter: ReadonlyArray<number>
}

export const benchCli = async ({ runs = 7, log = (_: string) => {} }: { runs?: number; log?: (line: string) => void } = {}): Promise<CliBench> => {
  const loadBefore = os.loadavg()
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zaoji-bench-cli-"))
  try {
    await ensureBuild(log)
    // a store with one finished run, for status and runs
    const store = path.join(tmp, "store")
    const seeded = await zaoji(["run", path.join(repoRoot, "test/engine/fixtures/sample.workflow.ts"), "--store", store, "--json"], "sources")
    if (seeded.code !== 0) throw new Error(`could not make the benchmark's store: ${seeded.stderr}`)
    const commands: ReadonlyArray<ReadonlyArray<string>> = [
      ["--help"],
      ["status", "--store", store],
      ["runs", "--store", store],
      ["plan", "workflows/hepatobiliary.workflow.ts", "--store", path.join(tmp, "plan-store")]
    ]
    const rows: CliBenchRow[] = []
    for (const args of commands) {
      const times = { build: [] as number[], sources: [] as number[] }
      // one untimed run of each first: the file cache, tsx's transform cache
      for (const mode of ["build", "sources"] as const) await timed(args, mode, log)
      for (let i = 0; i < runs; i++) {
        for (const mode of i % 2 === 0 ? (["build", "sources"] as const) : (["sources", "build"] as const)) times[mode].push(await timed(args, mode, log))
      }
      const row = { command: `zaoji ${args.map((a) => (a.startsWith(tmp) ? path.basename(a).toUpperCase() : a)).join(" ")}`, runs, build: median(times.build), sources: median(times.sources) }
      log(`${row.command}: build ${row.build.toFixed(3)} s, sources ${row.sources.toFixed(3)} s`)
      rows.push(row)
    }
    const check = await checkCost()
    return { rows, ...check, cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? "cpu", loadBefore, loadAfter: os.loadavg() }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}

export const formatCliBench = (b: CliBench): string => {
  const load = (l: ReadonlyArray<number>) => l.map((x) => x.toFixed(2)).join(" / ")
  const w = Math.max(...b.rows.map((r) => r.command.length), 7)
  return [
    `${b.cores} cores (${b.cpu}); load average (1/5/15 min) ${load(b.loadBefore)} before, ${load(b.loadAfter)} after; median of ${b.rows[0]?.runs ?? 0} runs each, interleaved`,
    "",
    `| ${"command".padEnd(w)} | build (s) | sources under tsx (s) | build / sources | ≤ 0.5 s |`,
    `|${"-".repeat(w + 2)}|----------:|----------------------:|----------------:|:-------:|`,
    ...b.rows.map(
      (r) =>
        `| ${r.command.padEnd(w)} | ${r.build.toFixed(3).padStart(9)} | ${r.sources.toFixed(3).padStart(21)} | ${(r.build / r.sources).toFixed(2).padStart(15)} | ${r.build <= 0.5 ? "yes" : "no"} |`
    ),
    "",
    `The bin's check that the build matches the sources (${b.checkedFiles} files stat'ed): ${b.checkMs.toFixed(1)} ms (median, in-process).`
  ].join("\n")
}

// internal

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")
const bin = path.join(repoRoot, "tools/cli/bin/zaoji.mjs")
const distDir = path.join(repoRoot, "tools/cli/dist")

/** tools/cli/build/current.mjs (plain JavaScript: the bin runs it before any TypeScript loader) */
interface CurrentModule {
  readonly currentBuild: (distDir: string, repoRoot: string) => { readonly ok: boolean; readonly reason?: string }
}

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

interface Ran {
  readonly code: number | null
  readonly stderr: string
  readonly seconds: number
}

const zaoji = (args: ReadonlyArray<string>, mode: "build" | "sources"): Promise<Ran> =>
  new Promise((resolve, reject) => {
    const start = performance.now()
    const child = spawn(process.execPath, [bin, ...args], {
      cwd: repoRoot,
      env: { ...process.env, FORCE_COLOR: "0", ZAOJI_CLI_BUILD: mode === "build" ? "dist" : "sources" },
      stdio: ["ignore", "ignore", "pipe"]
    })
    let stderr = ""
    child.stderr.on("data", (d: Buffer) => (stderr += d))
    child.on("error", reject)
    child.on("close", (code) => resolve({ code, stderr, seconds: (performance.now() - start) / 1000 }))
  })

/** one timed run; a build made stale meanwhile (the sources were edited) is rebuilt and the run repeated */
const timed = async (args: ReadonlyArray<string>, mode: "build" | "sources", log: (line: string) => void): Promise<number> => {
  for (let attempt = 0; ; attempt++) {
    const r = await zaoji(args, mode)
    if (mode === "build" && r.code === 2 && r.stderr.includes("the build is not current") && attempt < 3) {
      log(`  the sources changed during the benchmark; rebuilding (${r.stderr.trim()})`)
      await ensureBuild(log)
      continue
    }
    if (r.code !== 0) throw new Error(`zaoji ${args.join(" ")} (${mode}) exited ${r.code}: ${r.stderr.trim()}`)
    return r.seconds
  }
}

const ensureBuild = async (log: (line: string) => void) => {
  const { currentBuild } = (await import(pathToFileURL(path.join(repoRoot, "tools/cli/build/current.mjs")).href)) as CurrentModule
  const now = currentBuild(distDir, repoRoot)
  if (now.ok) return
  log(`building the CLI (npm run prepare): ${now.reason}`)
  const { buildCli } = (await import(pathToFileURL(path.join(repoRoot, "tools/cli/build/build.mjs")).href)) as { buildCli: (o: { outDir: string }) => Promise<unknown> }
  await buildCli({ outDir: distDir })
}

/** the bin's per-start check, timed in this process: median of 50 */
const checkCost = async () => {
  const { currentBuild } = (await import(pathToFileURL(path.join(repoRoot, "tools/cli/build/current.mjs")).href)) as CurrentModule
  const manifest = JSON.parse(fs.readFileSync(path.join(distDir, "manifest.json"), "utf8")) as { files: ReadonlyArray<unknown> }
  const ms: number[] = []
  for (let i = 0; i < 50; i++) {
    const t = performance.now()
    currentBuild(distDir, repoRoot)
    ms.push(performance.now() - t)
  }
  return { checkMs: median(ms), checkedFiles: manifest.files.length }
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  console.log(formatCliBench(await benchCli({ runs: Number(process.argv[2] ?? 7), log: (l) => console.error(l) })))
}
