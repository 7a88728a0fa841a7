/**
 * CLI start-up: `zaoji --help`, `status`, `runs` and `plan workflows/hepatobiliary.workflow.ts`,
 * each timed as a whole process (spawn to exit), from the build (tools/cli/dist, what `npm ci`'s
 * prepare makes) and — the reference, in the same run — from the TypeScript sources under tsx (how
 * the CLI ran before it had a build). `plan` is timed three ways from the build: with the workflow
 * already compiled by the workflow cache (the usual case), compiled anew on every run (an edited
 * workflow or plugin), and under tsx with the cache off (how it loaded before the cache). The two run
 * in blocks, build–sources–sources–build, so both see the same drift of the load; the median of
 * each is printed with their ratio, and the machine's cores and load average beside them
 * (start-up time on a shared machine follows its load). Where GNU time is installed,
 * each process's CPU time (user + system) is measured too: it depends far less on the load than
 * the wall time does. Node's own start (`node -e 0`) is timed in the same run, before and after the
 * rows, and each row is also given as a multiple of it: the floor under every row, and a reference
 * that moves with the host's speed (which varies from hour to hour on a shared machine).
 */
import { spawn, spawnSync } from "node:child_process"
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
  /** median CPU seconds (user + system) of the same processes, when GNU time is installed */
  readonly buildCpu?: number
  readonly sourcesCpu?: number
  /** bytes of the build's own files (tools/cli/dist) one run from the build imports */
  readonly buildLoaded: number
}

export interface CliBench {
  readonly rows: ReadonlyArray<CliBenchRow>
  /** median seconds of `node -e 0` in the same run (before and after the rows): Node's own start, the floor of every row */
  readonly nodeStart: number
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
    const plan = ["plan", "workflows/hepatobiliary.workflow.ts", "--store", path.join(tmp, "plan-store")]
    let cold = 0
    const commands: ReadonlyArray<{ readonly args: ReadonlyArray<string>; readonly env?: () => Record<string, string>; readonly note?: string }> = [
      { args: ["--help"] },
      { args: ["status", "--store", store] },
      { args: ["runs", "--store", store] },
      // the workflow compiled by the previous run (the untimed one first compiles it)
      { args: plan },
      // every run compiling the workflow anew (an edited workflow or plugin)
      { args: plan, env: () => ({ ZAOJI_WORKFLOW_CACHE: path.join(tmp, `cold-${cold++}`) }), note: "(workflow not compiled yet)" },
      // the workflow under tsx, as before the workflow cache
      { args: plan, env: () => ({ ZAOJI_WORKFLOW_CACHE: "off" }), note: "(ZAOJI_WORKFLOW_CACHE=off)" }
    ]
    const nodeStarts = await nodeStartTimes(runs)
    const rows: CliBenchRow[] = []
    for (const { args, env, note } of commands) {
      const times = { build: [] as Ran[], sources: [] as Ran[] }
      // one untimed run of each first: the file cache, tsx's transform cache
      for (const mode of ["build", "sources"] as const) await timed(args, mode, log, env?.())
      // in blocks, build-sources-sources-build: each side's runs see the same drift of the machine's
      // load, and a build run rarely follows a sources run: on a small shared machine a short process
      // started after a tsx one ran measurably slower (`status` 0.44-0.49 s against 0.31-0.35 s after
      // another build run, even 2 s later), which is not what a user typing commands meets
      const half = Math.ceil(runs / 2)
      for (const [mode, n] of [["build", half], ["sources", half], ["sources", runs - half], ["build", runs - half]] as const) {
        for (let i = 0; i < n; i++) times[mode].push(await timed(args, mode, log, env?.()))
      }
      const cpu = (rs: ReadonlyArray<Ran>) => (rs.every((r) => r.cpu !== undefined) ? median(rs.map((r) => r.cpu!)) : undefined)
      const row = {
        command: `zaoji ${args.map((a) => (a.startsWith(tmp) ? path.basename(a).toUpperCase() : a)).join(" ")}${note ? ` ${note}` : ""}`,
        runs,
        build: median(times.build.map((r) => r.seconds)),
        sources: median(times.sources.map((r) => r.seconds)),
        buildCpu: cpu(times.build),
        sourcesCpu: cpu(times.sources),
        buildLoaded: await loadedFromBuild(args, env?.())
      }
      log(`${row.command}: build ${row.build.toFixed(3)} s, sources ${row.sources.toFixed(3)} s`)
      rows.push(row)
    }
    const check = await checkCost()
    nodeStarts.push(...(await nodeStartTimes(runs)))
    return { rows, nodeStart: median(nodeStarts), ...check, cores: os.cpus().length, cpu: os.cpus()[0]?.model ?? "cpu", loadBefore, loadAfter: os.loadavg() }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}

export const formatCliBench = (b: CliBench): string => {
  const load = (l: ReadonlyArray<number>) => l.map((x) => x.toFixed(2)).join(" / ")
  const w = Math.max(...b.rows.map((r) => r.command.length), 7)
  const withCpu = b.rows.every((r) => r.buildCpu !== undefined && r.sourcesCpu !== undefined)
  const cells = (r: CliBenchRow) => [
    r.command.padEnd(w),
    r.build.toFixed(3),
    r.sources.toFixed(3),
    (r.build / r.sources).toFixed(2),
    (r.build / b.nodeStart).toFixed(1),
    r.build <= 0.5 ? "yes" : "no",
    (r.buildLoaded / 1e6).toFixed(2),
    ...(withCpu ? [r.buildCpu!.toFixed(3), r.sourcesCpu!.toFixed(3), (r.buildCpu! / r.sourcesCpu!).toFixed(2)] : [])
  ]
  const head = ["command".padEnd(w), "build, wall (s)", "sources under tsx, wall (s)", "build / sources", "build / node -e 0", "wall ≤ 0.5 s", "build, loaded (MB)", ...(withCpu ? ["build, CPU (s)", "sources, CPU (s)", "CPU build / sources"] : [])]
  return [
    `${b.cores} cores (${b.cpu}); load average (1/5/15 min) ${load(b.loadBefore)} before, ${load(b.loadAfter)} after; median of ${b.rows[0]?.runs ?? 0} runs each, in blocks build–sources–sources–build`,
    "",
    `| ${head.join(" | ")} |`,
    `|${head.map((h, i) => (i === 0 ? "-".repeat(h.length + 2) : "-".repeat(h.length + 1) + ":")).join("|")}|`,
    ...b.rows.map((r) => `| ${cells(r).join(" | ")} |`),
    "",
    `Node's own start (\`node -e 0\`, ${2 * (b.rows[0]?.runs ?? 0)} runs before and after the rows): ${b.nodeStart.toFixed(3)} s (median), the floor under every row; the host's speed varies from hour to hour, and this ratio varies less than the seconds.`,
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
  /** user + system CPU seconds, when GNU time is installed */
  readonly cpu?: number
}

/** GNU time, which writes a child's CPU time to a file of its own (-o) */
const gnuTime = ((): string | undefined => {
  const t = "/usr/bin/time"
  if (!fs.existsSync(t)) return undefined
  // GNU time prints its version on stdout or stderr, depending on the build
  const v = spawnSync(t, ["--version"], { encoding: "utf8" })
  return /GNU/.test(`${v.stdout}${v.stderr}`) ? t : undefined
})()

const zaoji = (args: ReadonlyArray<string>, mode: "build" | "sources", env: Record<string, string> = {}): Promise<Ran> =>
  new Promise((resolve, reject) => {
    const cpuFile = gnuTime ? path.join(os.tmpdir(), `zaoji-bench-cpu-${process.pid}`) : undefined
    const argv = [process.execPath, bin, ...args]
    const [command, ...rest] = gnuTime && cpuFile ? [gnuTime, "-o", cpuFile, "-f", "%U %S", ...argv] : argv
    const start = performance.now()
    const child = spawn(command, rest, {
      cwd: repoRoot,
      env: { ...process.env, FORCE_COLOR: "0", ZAOJI_CLI_BUILD: mode === "build" ? "dist" : "sources", ...env },
      stdio: ["ignore", "ignore", "pipe"]
    })
    let stderr = ""
    child.stderr.on("data", (d: Buffer) => (stderr += d))
    child.on("error", reject)
    child.on("close", (code) => {
      const seconds = (performance.now() - start) / 1000
      const cpu = cpuFile ? cpuSeconds(cpuFile) : undefined
      resolve({ code, stderr, seconds, ...(cpu !== undefined ? { cpu } : {}) })
    })
  })

const cpuSeconds = (file: string): number | undefined => {
  try {
    const [user, system] = fs.readFileSync(file, "utf8").trim().split("\n").at(-1)!.split(" ").map(Number)
    return Number.isFinite(user) && Number.isFinite(system) ? user + system : undefined
  } catch {
    return undefined
  } finally {
    fs.rmSync(file, { force: true })
  }
}

/**
 * The bytes of the build's files that one run of `zaoji ARGS` from the build imports, recorded by
 * the module hook the CLI's own import tests use (tools/cli/test/fixtures/recordModules.mjs).
 */
const loadedFromBuild = async (args: ReadonlyArray<string>, env: Record<string, string> = {}): Promise<number> => {
  const log = path.join(os.tmpdir(), `zaoji-bench-modules-${process.pid}`)
  fs.rmSync(log, { force: true })
  const recorder = pathToFileURL(path.join(repoRoot, "tools/cli/test/fixtures/recordModules.mjs")).href
  await zaoji(args, "build", { ...env, ZAOJI_MODULE_LOG: log, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import=${recorder}` })
  const files = new Set(
    (fs.existsSync(log) ? fs.readFileSync(log, "utf8").split("\n") : [])
      .map((m) => (m.startsWith("file:") ? fileURLToPath(m) : m))
      .filter((m) => m.startsWith(distDir + path.sep))
  )
  fs.rmSync(log, { force: true })
  return [...files].reduce((n, f) => n + fs.statSync(f).size, 0)
}

/** wall seconds of `node -e 0`, `runs` times */
const nodeStartTimes = async (runs: number): Promise<number[]> => {
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const start = performance.now()
    await new Promise<void>((resolve, reject) => spawn(process.execPath, ["-e", "0"], { stdio: "ignore" }).on("error", reject).on("close", () => resolve()))
    times.push((performance.now() - start) / 1000)
  }
  return times
}

/** one timed run; a build made stale meanwhile (the sources were edited) is rebuilt and the run repeated */
const timed = async (args: ReadonlyArray<string>, mode: "build" | "sources", log: (line: string) => void, env?: Record<string, string>): Promise<Ran> => {
  for (let attempt = 0; ; attempt++) {
    const r = await zaoji(args, mode, env)
    if (mode === "build" && r.code === 2 && r.stderr.includes("the build is not current") && attempt < 10) {
      log(`  the sources changed during the benchmark; rebuilding (${r.stderr.trim()})`)
      await ensureBuild(log)
      continue
    }
    if (r.code !== 0) throw new Error(`zaoji ${args.join(" ")} (${mode}) exited ${r.code}: ${r.stderr.trim()}`)
    return r
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
