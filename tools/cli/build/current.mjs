/**
 * Is the build in dist/ the sources as they are now? Read by the bin on every start, so it is
 * cheap: one stat per source file bundled, compared with the manifest's size and mtime; a file
 * whose stat differs is hashed, and only a changed hash makes the build stale (a checkout that
 * rewrote a file unchanged does not). A stale or missing build is never run: the bin runs the
 * sources instead.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { createHash } from "node:crypto"

/** `{ ok: true, main, dist, id, entries, help, argTable }` (file URLs) or `{ ok: false, reason }` for the build in `distDir` */
export const currentBuild = (distDir, repoRoot) => {
  let manifest
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(distDir, "manifest.json"), "utf8"))
  } catch {
    return { ok: false, reason: `no build in ${distDir}` }
  }
  if (manifest.version !== MANIFEST_VERSION) return { ok: false, reason: `the build in ${distDir} is of an older format` }
  if (manifest.node !== process.versions.node) return { ok: false, reason: `the build was made by Node ${manifest.node}, this is ${process.versions.node}` }
  for (const f of manifest.files) {
    const changed = changedFile(path.join(repoRoot, f.path), f)
    if (changed) return { ok: false, reason: `${f.path} ${changed} since the build` }
  }
  let tables
  try {
    tables = JSON.parse(fs.readFileSync(path.join(distDir, "cli.json"), "utf8"))
  } catch {
    return { ok: false, reason: `the build in ${distDir} has no readable cli.json` }
  }
  const url = (file) => pathToFileURL(path.join(distDir, file)).href
  return {
    ok: true,
    main: url(manifest.main),
    // the folder's URL, with its trailing slash: what every bundled file's URL starts with
    dist: pathToFileURL(distDir + path.sep).href,
    // which build this is: a workflow compiled against another one is recompiled
    id: `${distDir}@${manifest.builtAt}`,
    // source entry (as a bare import resolves it) → bundled entry
    entries: Object.fromEntries(Object.values(manifest.entries).map((e) => [pathToFileURL(path.join(repoRoot, e.source)).href, url(e.file)])),
    // help texts (printed by the bin as they are) and the argument table of the direct path: src/cliTables.ts
    help: tables.help,
    argTable: tables.args
  }
}

// internal

/** kept equal to build.mjs's MANIFEST_VERSION (not imported: that would load esbuild on every start) */
const MANIFEST_VERSION = 2

const changedFile = (abs, recorded) => {
  let st
  try {
    st = fs.statSync(abs)
  } catch {
    return "was removed"
  }
  if (st.size === recorded.size && st.mtimeMs === recorded.mtimeMs) return undefined
  const hash = createHash("sha256").update(fs.readFileSync(abs)).digest("hex")
  return hash === recorded.sha256 ? undefined : "changed"
}
