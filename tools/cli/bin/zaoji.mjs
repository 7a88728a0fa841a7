#!/usr/bin/env node
/**
 * `zaoji`: runs the CLI's build (tools/cli/dist, made by `npm run prepare`, which `npm ci` runs)
 * when it matches the sources, else the TypeScript sources under tsx. The build starts in a
 * fraction of the time (no TypeScript compiled, one file per shared chunk, each command's modules
 * loaded only when it runs); the sources are always right. A stale build is never run. From the
 * build, help and version lines print the text saved with the build, and a command line in its
 * plainest form skips @effect/cli (src/cliTables.ts, src/directRun.ts).
 *
 * ZAOJI_CLI_BUILD: `auto` (default) as above · `sources` always the sources · `dist` the build or
 * an error saying why not (to check that the build is what runs).
 * ZAOJI_CLI_DIST: where the build is (default tools/cli/dist).
 * ZAOJI_WORKFLOW_CACHE: where the build keeps workflows compiled to JavaScript (default
 * node_modules/.cache/zaoji/workflows), or `off` to load every workflow under tsx.
 */
import { register as registerHook } from "node:module"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { currentBuild } from "../build/current.mjs"

const here = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.resolve(here, "../../..")
const outsideWorkflows = new URL("./outsideWorkflows.mjs", import.meta.url)
const mode = process.env.ZAOJI_CLI_BUILD || "auto"
const sourceMapsAsked = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)].includes("--enable-source-maps")
if (!["auto", "sources", "dist"].includes(mode)) {
  process.stderr.write(`error: ZAOJI_CLI_BUILD=${mode}: expected auto, sources or dist\n`)
  process.exit(2)
}

const build = mode === "sources" ? { ok: false } : currentBuild(path.resolve(process.env.ZAOJI_CLI_DIST || path.join(here, "../dist")), repoRoot)
const help = build.ok ? build.help[process.argv.slice(2).join("\u0000")] : undefined
if (help !== undefined) {
  // `zaoji --help`, `zaoji status -h`, `--version`, …: the text the build's CLI printed for the same
  // words when it was built (src/cliTables.ts), so nothing else needs to load
  process.stdout.write(help)
} else if (build.ok) {
  const { main } = await import(build.main)
  const cache = process.env.ZAOJI_WORKFLOW_CACHE || path.join(repoRoot, "node_modules/.cache/zaoji/workflows")
  await main({
    // a command line in its plainest form runs without @effect/cli (src/directRun.ts)
    argTable: build.argTable,
    // workflows load compiled by esbuild (src/workflowCache.ts), importing the bundled packages directly
    workflowBuild: cache === "off" ? undefined : { entries: build.entries, dist: build.dist, id: build.id, root: repoRoot, cacheDir: path.resolve(cache) },
    // what must still load as TypeScript (a workflow the cache cannot compile, a stage's run outside
    // the build): tsx and the module hooks are registered by the first command that needs them
    registerTypeScript: async () => {
      // hooks run last registered first: the build's own imports are answered before tsx sees them
      const { register } = await import("tsx/esm/api")
      register()
      registerHook(outsideWorkflows)
      registerHook(new URL("../build/fromBuild.mjs", import.meta.url), { data: { entries: build.entries, dist: build.dist } })
      // tsx turns source maps on for every module loaded after it, and tfjs's files come with
      // megabytes of maps that Node would read and parse at each start (a seventh of `zaoji plan`);
      // a workflow's stack trace then shows tsx's output positions, unless asked for explicitly
      if (!sourceMapsAsked) process.setSourceMapsEnabled(false)
    }
  })
} else if (mode === "dist") {
  process.stderr.write(`error: ZAOJI_CLI_BUILD=dist, but the build is not current: ${build.reason}; run \`npm run prepare\`\n`)
  process.exitCode = 2
} else {
  const { register } = await import("tsx/esm/api")
  register()
  registerHook(outsideWorkflows)
  const { main } = await import(new URL("../src/main.ts", import.meta.url).href)
  await main()
}
