/**
 * The CLI's build: esbuild bundles the CLI, every workspace package and `effect` into
 * tools/cli/dist (split into shared chunks, so each module exists once), and writes
 * dist/manifest.json: the source files bundled, with their size, modification time and sha256, so
 * that the bin can tell cheaply whether the build still matches the sources (./current.mjs).
 *
 * Run by the root package.json's `prepare` script (`npm ci` / `npm install` run it), or by hand:
 * `node tools/cli/build/build.mjs [OUT_DIR]`. Native and WASM packages (tfjs, better-sqlite3,
 * webgpu, jieba, …) stay outside the bundle and load from node_modules as before.
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..")
export const defaultOutDir = path.join(repoRoot, "tools/cli/dist")
export const MANIFEST = "manifest.json"
/** the help texts and argument table beside the build (see tools/cli/src/cliTables.ts) */
export const CLI_TABLES_FILE = "cli.json"
/** bumped when the manifest's shape changes; an older manifest is then stale */
export const MANIFEST_VERSION = 2

/**
 * Packages left outside the bundle: native addons and WASM (they find their binaries beside their
 * own files), the TypeScript loader and the test/dev tools. Everything else is pure JavaScript.
 */
export const EXTERNAL = [
  "@tensorflow/*",
  "better-sqlite3",
  "webgpu",
  "@node-rs/*",
  "pg-native",
  "tsx",
  "tsx/*",
  "esbuild",
  "playwright-core",
  "vitest",
  "@vitest/*"
]

/** workspace packages a workflow never imports: the CLI itself (it is the `main` entry), tests, benchmarks */
const NOT_ENTRIES = new Set(["@zaoji/cli", "@zaoji/testing", "@zaoji/bench"])

/** Build into `outDir` (replacing what is there) and return the manifest written. */
export const buildCli = async ({ outDir = defaultOutDir } = {}) => {
  const staging = `${outDir}.building-${process.pid}`
  fs.mkdirSync(path.dirname(outDir), { recursive: true })
  fs.rmSync(staging, { recursive: true, force: true })
  const entries = entryPoints()
  // imported here, so that an install without devDependencies (no esbuild) still installs, and runs the sources
  const esbuild = await import("esbuild")
  const result = await esbuild.build({
    entryPoints: Object.fromEntries(Object.entries(entries).map(([spec, e]) => [e.out, e.source])),
    outdir: staging,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    // maps written beside the chunks but not linked from them: once tsx is registered Node reads
    // every linked map at load time, which costs more than planning a workflow
    sourcemap: "external",
    metafile: true,
    logLevel: "silent",
    external: EXTERNAL,
    chunkNames: "chunk-[hash]",
    // bundled CommonJS calls require() for Node's own modules; an ES module has none of its own
    banner: { js: 'import { createRequire as __zaojiCreateRequire } from "node:module"; const require = __zaojiCreateRequire(import.meta.url);' },
    plugins: [workspaceSources(staging), parsersOnDemand]
  })
  // the help texts and the argument table the bin reads on every start (src/cliTables.ts), made by
  // the CLI just bundled, so they are what this build prints and parses
  const { makeCliTables } = await import(pathToFileURL(path.join(staging, `${CLI_TABLES.out}.js`)).href)
  fs.writeFileSync(path.join(staging, CLI_TABLES_FILE), JSON.stringify(await makeCliTables()))
  // installed packages are covered by npm's record of the install, not file by file
  const inputs = Object.keys(result.metafile.inputs)
    .map((p) => path.resolve(repoRoot, p.replace(/^[a-z-]+:/, "")))
    .filter((p) => !p.split(path.sep).includes("node_modules") && fs.existsSync(p))
  const manifest = {
    version: MANIFEST_VERSION,
    builtAt: new Date().toISOString(),
    node: process.versions.node,
    main: "main.js",
    // bare import (as a workflow writes it) → the source file it resolves to → the bundled entry
    entries: Object.fromEntries(
      Object.entries(entries).filter(([spec]) => spec !== "." && spec !== CLI_TABLES.spec).map(([spec, e]) => [spec, { source: path.relative(repoRoot, e.source), file: `${e.out}.js` }])
    ),
    files: [...inputs, ...EXTRA_INPUTS.map((f) => path.join(repoRoot, f))].filter((f) => fs.existsSync(f)).sort().map(fileState)
  }
  fs.writeFileSync(path.join(staging, MANIFEST), JSON.stringify(manifest, null, 1))
  // what went where (for `npx esbuild-visualizer`-style analysis of start-up cost)
  fs.writeFileSync(path.join(staging, "meta.json"), JSON.stringify(result.metafile).replaceAll(path.relative(repoRoot, staging), path.relative(repoRoot, outDir)))
  // swapped in by two renames: a `zaoji` starting meanwhile finds either build whole, or none
  // (and then runs the sources)
  const old = `${outDir}.old-${process.pid}`
  if (fs.existsSync(outDir)) fs.renameSync(outDir, old)
  fs.renameSync(staging, outDir)
  fs.rmSync(old, { recursive: true, force: true })
  return manifest
}

/** A file as the manifest records it: where (relative to the repository), size, mtime, sha256. */
export const fileState = (abs) => {
  const st = fs.statSync(abs)
  return { path: path.relative(repoRoot, abs), size: st.size, mtimeMs: st.mtimeMs, sha256: sha256(fs.readFileSync(abs)) }
}

export const sha256 = (buf) => createHash("sha256").update(buf).digest("hex")

// internal

/**
 * not modules, yet they decide what the build contains: the build itself, what npm installed, and
 * the version `zaoji --version` and every help text print (read from @zaoji/core's package.json)
 */
const EXTRA_INPUTS = ["tools/cli/build/build.mjs", "package-lock.json", "node_modules/.package-lock.json", "libs/core/package.json"]

/** the build-time entry that renders the help texts and the argument table (not a package: no bare import names it) */
const CLI_TABLES = { spec: "#cli-tables", source: path.join(repoRoot, "tools/cli/src/cliTables.ts"), out: "cli-tables" }

/** `{ [bare import]: { source, out } }` for the CLI's main and every workspace package's exports */
const entryPoints = () => {
  const entries = { ".": { source: path.join(repoRoot, "tools/cli/src/main.ts"), out: "main" }, [CLI_TABLES.spec]: CLI_TABLES }
  const root = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8"))
  for (const pattern of root.workspaces ?? []) {
    const base = path.join(repoRoot, pattern.replace(/\/\*$/, ""))
    if (!pattern.endsWith("/*") || !fs.existsSync(base)) continue
    for (const dir of fs.readdirSync(base).sort()) {
      const pj = path.join(base, dir, "package.json")
      if (!fs.existsSync(pj)) continue
      const pkg = JSON.parse(fs.readFileSync(pj, "utf8"))
      if (NOT_ENTRIES.has(pkg.name)) continue
      const exports = typeof pkg.exports === "string" ? { ".": pkg.exports } : (pkg.exports ?? {})
      for (const [sub, target] of Object.entries(exports)) {
        const file = typeof target === "string" ? target : (target?.import ?? target?.default)
        if (typeof file !== "string" || !/\.[mc]?ts$/.test(file)) continue
        const spec = sub === "." ? pkg.name : `${pkg.name}/${sub.replace(/^\.\//, "")}`
        entries[spec] = { source: path.join(base, dir, file), out: spec.replace(/^@/, "").replace(/[/]/g, "-") }
      }
    }
  }
  return entries
}

/**
 * How the workspace's TypeScript sources are bundled:
 *
 * - Bundled code runs from dist/, so `import.meta.url` in a source module would name the chunk, not
 *   the module: files found beside a module (package.json, worker scripts, data tables) would be
 *   looked for in dist/. Each workspace source keeps its own location instead (all outputs sit
 *   directly in dist/, so the path from there is fixed).
 * - `import { Effect, Schema } from "effect"` (the barrel, as the sources write it) becomes
 *   `import * as Effect from "effect/Effect"` and so on: the same module objects, but esbuild's code
 *   splitting assigns whole files to chunks by which entries import them, and through the barrel
 *   every entry counts as importing every effect module any entry uses. A command that needs only
 *   `Effect` then loaded a chunk with Schema, Stream and fast-check in it.
 */
const workspaceSources = (outDir) => ({
  name: "workspace-sources",
  setup(build) {
    const effectExports = barrelExports("effect")
    build.onLoad({ filter: /\.[mc]?ts$/ }, async (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined
      const text = await fs.promises.readFile(args.path, "utf8")
      return { contents: deepImports(keepLocation(text, args.path, outDir), "effect", effectExports), loader: "ts" }
    })
  }
})

const keepLocation = (text, file, outDir) => {
  if (!text.includes("import.meta.url")) return text
  const fromDist = path.relative(outDir, file).split(path.sep).join("/")
  return text.replaceAll("import.meta.url", `new URL(${JSON.stringify(fromDist)}, import.meta.url).href`)
}

/**
 * `import { A, B as C, type T } from "<pkg>"` → one import per module behind the barrel; a
 * statement naming anything the barrel's table does not know is left as it is (correct, only
 * larger). Type-only names are dropped: they are erased anyway.
 */
const deepImports = (text, pkg, exports) =>
  text.replace(new RegExp(`^import\\s*\\{([^}]*)\\}\\s*from\\s*["']${pkg}["'];?`, "gm"), (statement, names) => {
    const out = []
    for (const raw of names.split(",").map((n) => n.trim()).filter(Boolean)) {
      if (/^type\s/.test(raw)) continue
      const [, name, alias] = /^([A-Za-z_$][\w$]*)(?:\s+as\s+([A-Za-z_$][\w$]*))?$/.exec(raw) ?? []
      const from = name && exports.get(name)
      if (!from) return statement
      out.push(from.namespace ? `import * as ${alias ?? name} from "${pkg}/${from.module}";` : `import { ${raw} } from "${pkg}/${from.module}";`)
    }
    // one line, so that line numbers (and source maps) below stay as they were
    return out.join(" ")
  })

/**
 * name → `{ module, namespace }` for what a barrel index re-exports: `export * as Name from
 * "./Name.js"` (a namespace) and `export { a, b } from "./Module.js"` (names). Read from the
 * installed package, so the table follows its version.
 */
const barrelExports = (pkg) => {
  const index = fs.readFileSync(path.join(repoRoot, "node_modules", pkg, "dist/esm/index.js"), "utf8")
  const table = new Map()
  for (const [, name, module] of index.matchAll(/^export \* as (\w+) from "\.\/(\w+)\.js";/gm)) table.set(name, { module, namespace: true })
  for (const [, names, module] of index.matchAll(/^export \{([^}]*)\} from "\.\/(\w+)\.js";/gm)) {
    for (const n of names.split(",").map((x) => x.trim()).filter(Boolean)) table.set(n, { module, namespace: false })
  }
  return table
}

/**
 * @effect/cli imports YAML, TOML and INI parsers at the top of the module behind `Options.fileParse`
 * (which no zaoji command uses); bundled as they are, every start would load and initialise them.
 * Each is replaced by a module whose `parse` loads the real package from node_modules when called.
 */
const parsersOnDemand = {
  name: "parsers-on-demand",
  setup(build) {
    build.onResolve({ filter: /^(yaml|toml|ini)$/ }, (args) =>
      args.importer.includes(`${path.sep}@effect${path.sep}cli${path.sep}`) ? { path: args.path, namespace: "parser-on-demand" } : undefined
    )
    build.onLoad({ filter: /.*/, namespace: "parser-on-demand" }, (args) => ({
      contents: [
        'import { createRequire } from "node:module"',
        `export const parse = (text) => createRequire(import.meta.url)(${JSON.stringify(args.path)}).parse(text)`
      ].join("\n"),
      loader: "js"
    }))
  }
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  const outDir = process.argv[2] ? path.resolve(process.argv[2]) : defaultOutDir
  const t = performance.now()
  try {
    const m = await buildCli({ outDir })
    console.log(`zaoji CLI built into ${path.relative(process.cwd(), outDir) || "."} (${m.files.length} source files, ${((performance.now() - t) / 1000).toFixed(1)} s)`)
  } catch (e) {
    // the CLI still runs from its sources (slower to start): a failed build must not fail an install
    fs.rmSync(outDir, { recursive: true, force: true })
    console.warn(`zaoji CLI not built (it will run from its TypeScript sources): ${e instanceof Error ? e.message : String(e)}`)
    if (process.env.ZAOJI_BUILD_STRICT === "1") process.exitCode = 1
  }
}
