/**
 * The compiled-workflow cache. Run from its build, the CLI loads a workflow without TypeScript's
 * loader: esbuild bundles the workflow file with the TypeScript it imports (its own helpers, a
 * plugin that is not in the build) into one ES module, kept in the cache folder with a manifest of
 * every file that went in (size, mtime, sha256), which is checked on every load like the build's
 * own manifest. A current module is imported directly (no tsx, no module hooks); a stale or missing
 * one is compiled first (only that load pays for esbuild).
 *
 * What stays outside the module, so that identities and locations do not change:
 * - a workspace package the build holds (`@zaoji/core`, the plugins, …) is imported from the build,
 *   as the module hook `build/fromBuild.mjs` answers it under tsx: one engine, one `@zaoji/core`;
 * - installed packages (`effect`, …) are imported from where the workflow's folder resolves them
 *   (or, as `bin/outsideWorkflows.mjs` does, from this installation when it does not), by absolute URL;
 * - a `import("./run.js")` of TypeScript (a stage's `Stage.lazyRun`) stays a dynamic import of the
 *   source file, which registers the TypeScript loader first: `plan` never runs a stage, `run` then
 *   pays for tsx only if a stage's run is TypeScript outside the build.
 * `import.meta`'s `url`, `dirname` and `filename` in a bundled file keep naming that source file.
 *
 * Anything esbuild cannot bundle faithfully (a syntax error, an import it cannot resolve, an
 * `import(variable)`) is not cached: the caller loads the file under tsx as before and says why.
 */
import { createHash } from "node:crypto"
import * as fs from "node:fs"
import { builtinModules } from "node:module"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"

/** What the bin knows about the build it runs from: what the cache's modules import. */
export interface WorkflowBuild {
  /** source entry's file URL (as a bare import resolves) → the bundled entry's file URL */
  readonly entries: Readonly<Record<string, string>>
  /** the build's folder (file URL): each build has modules of its own */
  readonly dist: string
  /** changes whenever the build is remade (its manifest's time): a module compiled against another build is stale */
  readonly id: string
  /** the installation's root, from which a workflow outside it resolves what its folder does not */
  readonly root: string
  /** the cache folder (ZAOJI_WORKFLOW_CACHE, default node_modules/.cache/zaoji/workflows under the root) */
  readonly cacheDir: string
}

export type Compiled = { readonly url: string } | { readonly reason: string }

/**
 * The URL of the current compiled module for workflow `file` (compiling it if there is none or it
 * is stale), or why it could not be compiled. Never fails: a reason sends the caller to tsx.
 * `importTypeScript` loads a TypeScript module left outside (after registering tsx).
 */
export const compiledWorkflow = async (
  file: string,
  build: WorkflowBuild,
  importTypeScript: (url: string) => Promise<unknown>
): Promise<Compiled> => {
  ;(globalThis as Record<symbol, unknown>)[IMPORT_TS] = importTypeScript
  const abs = path.resolve(file)
  const base = path.join(build.cacheDir, createHash("sha256").update(JSON.stringify([FORMAT, process.versions.node, build.dist, abs])).digest("hex").slice(0, 20))
  const moduleFile = `${base}.mjs`
  const current = currentManifest(`${base}.json`, build.id)
  if (current) return { url: pathToFileURL(moduleFile).href }
  try {
    const started = Date.now()
    const { code, map, inputs } = await compile(abs, build)
    fs.mkdirSync(build.cacheDir, { recursive: true })
    const files = inputs.map(fileState)
    // each file written whole and renamed into place, the manifest last: a concurrent load sees the
    // old module and manifest, or the new ones (both compiled from the same sources)
    writeAtomically(`${moduleFile}.map`, map)
    writeAtomically(moduleFile, `${code}//# sourceMappingURL=${path.basename(moduleFile)}.map\n`)
    // a file written while it was compiled may differ from what went in: no manifest, so the next
    // load compiles again
    const manifest: Manifest = { format: FORMAT, build: build.id, dist: build.dist, workflow: abs, files }
    if (files.every((f) => f.mtimeMs < started)) writeAtomically(`${base}.json`, JSON.stringify(manifest, null, 1))
    else fs.rmSync(`${base}.json`, { force: true })
    removeOrphans(build.cacheDir)
    return { url: pathToFileURL(moduleFile).href }
  } catch (e) {
    return { reason: reasonOf(e) }
  }
}

// internal

/** bumped when what a compiled module contains changes: older ones are then stale */
const FORMAT = 1

/** where a compiled module finds the function that loads a TypeScript module left outside it */
const IMPORT_TS = Symbol.for("zaoji.workflowCache.importTypeScript")

interface FileState {
  readonly path: string
  readonly size: number
  readonly mtimeMs: number
  readonly sha256: string
}

interface Manifest {
  readonly format: number
  readonly build: string
  readonly dist: string
  readonly workflow: string
  readonly files: ReadonlyArray<FileState>
}

const sha256 = (buf: Buffer) => createHash("sha256").update(buf).digest("hex")

const fileState = (abs: string): FileState => {
  const st = fs.statSync(abs)
  return { path: abs, size: st.size, mtimeMs: st.mtimeMs, sha256: sha256(fs.readFileSync(abs)) }
}

/** the manifest, if the module it describes is current: same format and build, every file unchanged */
const currentManifest = (file: string, buildId: string): Manifest | undefined => {
  let m: Manifest
  try {
    m = JSON.parse(fs.readFileSync(file, "utf8")) as Manifest
  } catch {
    return undefined
  }
  if (m.format !== FORMAT || m.build !== buildId || !Array.isArray(m.files)) return undefined
  for (const f of m.files) {
    let st: fs.Stats
    try {
      st = fs.statSync(f.path)
    } catch {
      return undefined
    }
    // a file rewritten unchanged (a checkout) still counts as current
    if ((st.size !== f.size || st.mtimeMs !== f.mtimeMs) && sha256(fs.readFileSync(f.path)) !== f.sha256) return undefined
  }
  return m
}

/** modules compiled against a build folder that is gone (a test's, a moved checkout's): removed when another is compiled */
const removeOrphans = (cacheDir: string) => {
  for (const name of fs.readdirSync(cacheDir).filter((f) => f.endsWith(".json"))) {
    try {
      const m = JSON.parse(fs.readFileSync(path.join(cacheDir, name), "utf8")) as Partial<Manifest>
      if (typeof m.dist === "string" && fs.existsSync(fileURLToPath(m.dist))) continue
      const base = path.join(cacheDir, name.slice(0, -".json".length))
      for (const f of [`${base}.json`, `${base}.mjs`, `${base}.mjs.map`]) fs.rmSync(f, { force: true })
    } catch {
      // another process removed or is writing it
    }
  }
}

const writeAtomically = (file: string, text: string) => {
  const tmp = `${file}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`
  fs.writeFileSync(tmp, text)
  fs.renameSync(tmp, file)
}

const isBare = (specifier: string) => !/^(\.{1,2}\/|\/|[a-zA-Z][a-zA-Z0-9+.-]*:)/.test(specifier)
const isTypeScript = (file: string) => /\.[mc]?tsx?$/.test(file)
const insideNodeModules = (file: string) => file.split(path.sep).includes("node_modules")
const builtins = new Set(builtinModules)

/** bundle `abs`; the module's text, its source map, and every file that went in */
const compile = async (abs: string, build: WorkflowBuild) => {
  // loaded only here: a current module never loads esbuild
  const esbuild = await import("esbuild")
  const lazyTypeScript = new Set<string>()
  const result = await esbuild.build({
    entryPoints: [abs],
    absWorkingDir: path.dirname(abs),
    bundle: true,
    write: false,
    format: "esm",
    platform: "node",
    target: `node${process.versions.node.split(".")[0]}`,
    // as Node resolves an `import` (esbuild would otherwise prefer a package's "module" build)
    conditions: ["node"],
    mainFields: ["main"],
    sourcemap: "external",
    metafile: true,
    logLevel: "silent",
    outfile: path.join(build.cacheDir, "workflow.mjs"),
    // bundled CommonJS calls require() for Node's own modules; an ES module has none of its own
    banner: {
      js: [
        // (spelt in two parts: the CLI's own build rewrites that expression where it appears whole)
        `import { createRequire as __zaojiCreateRequire } from "node:module"; const require = __zaojiCreateRequire(import.meta${".url"});`,
        `const __zaojiImportTypeScript = (url) => globalThis[Symbol.for(${JSON.stringify(IMPORT_TS.description)})](url);`
      ].join("\n")
    },
    plugins: [
      {
        name: "zaoji-workflow",
        setup(b) {
          b.onResolve({ filter: /.*/ }, async (args) => {
            if (args.kind === "entry-point" || (args.pluginData as { inner?: boolean } | undefined)?.inner) return undefined
            if (args.path.startsWith("node:") || builtins.has(args.path)) return { path: args.path, external: true }
            const resolveIn = (resolveDir: string) => b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir, pluginData: { inner: true } })
            let r = await resolveIn(args.resolveDir)
            // a workflow in a folder of its own: what its folder cannot resolve comes from this installation
            if (r.errors.length > 0 && isBare(args.path)) r = await resolveIn(build.root)
            if (r.errors.length > 0) return { errors: r.errors }
            const url = pathToFileURL(r.path).href
            const bundled = build.entries[url]
            if (bundled !== undefined) return { path: bundled, external: true }
            if (args.kind === "dynamic-import" && isTypeScript(r.path)) {
              lazyTypeScript.add(url)
              return { path: url, external: true }
            }
            if (insideNodeModules(r.path) && !isTypeScript(r.path)) return { path: url, external: true }
            return { path: r.path }
          })
          // a bundled file's own location, where it asks for it
          b.onLoad({ filter: /\.[mc]?[jt]sx?$/ }, async (args) => {
            if (insideNodeModules(args.path)) return undefined
            const text = await fs.promises.readFile(args.path, "utf8")
            if (!text.includes("import.meta.")) return undefined
            const contents = text
              .replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(args.path).href))
              .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(path.dirname(args.path)))
              .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(args.path))
            return { contents, loader: loaderOf(args.path) }
          })
        }
      }
    ]
  })
  // an import esbuild leaves as written would resolve from the cache folder, not from the workflow's
  const unbundled = result.warnings.find((w) => w.id === "unsupported-dynamic-import" || w.id === "unsupported-require-call")
  if (unbundled) throw new Error(`${unbundled.location?.file ?? abs}:${unbundled.location?.line ?? 0}: ${unbundled.text}`)
  const js = result.outputFiles.find((f) => f.path.endsWith(".mjs"))
  const map = result.outputFiles.find((f) => f.path.endsWith(".map"))
  if (js === undefined || map === undefined) throw new Error("esbuild wrote no module")
  let code = js.text
  for (const url of lazyTypeScript) code = code.replaceAll(`import(${JSON.stringify(url)})`, `__zaojiImportTypeScript(${JSON.stringify(url)})`)
  const inputs = Object.keys(result.metafile.inputs)
    .filter((p) => !/^[a-z-]+:/.test(p))
    .map((p) => path.resolve(path.dirname(abs), p))
  return { code, map: map.text, inputs }
}

/** esbuild's first error as `file:line: text` (its message starts "Build failed with 1 error:") */
const reasonOf = (e: unknown): string => {
  const first = (e as { errors?: ReadonlyArray<{ text: string; location?: { file: string; line: number } | null }> }).errors?.[0]
  if (first) return first.location ? `${first.location.file}:${first.location.line}: ${first.text}` : first.text
  return (e instanceof Error ? e.message : String(e)).split("\n")[0] ?? ""
}

const loaderOf = (file: string) => {
  const ext = path.extname(file)
  return ext === ".tsx" ? "tsx" : ext === ".jsx" ? "jsx" : /\.[mc]?ts$/.test(ext) ? "ts" : "js"
}
