/**
 * `zaoji new plugin NAME`: an Nx project under plugins/NAME shaped like the existing plugins, linked
 * into node_modules/@zaoji/NAME the way npm workspaces link them, so workflows can import it before
 * the next `npm install`. The project folder appears whole (built beside it, then renamed).
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { nameProblem, pascalCase } from "./names.js"
import { renderTemplate } from "./render.js"
import { GeneratorRefused } from "./refused.js"
import { stagingDir } from "./staging.js"
import { repoRoot } from "./locations.js"

export interface PluginOptions {
  readonly name: string
  /** the workspace to generate into: plugins/ and node_modules/ under it (default: this repository) */
  readonly root?: string
}

export interface PluginResult {
  readonly pluginDir: string
  readonly link: string
  /** the link's target, relative to the link's folder */
  readonly linkTarget: string
  readonly files: ReadonlyArray<string>
  readonly namespace: string
}

const templateFiles = [
  ["package.json.tmpl", "package.json"],
  ["tsconfig.json.tmpl", "tsconfig.json"],
  ["src/index.ts.tmpl", "src/index.ts"],
  ["test/stage.test.ts.tmpl", "test/stage.test.ts"],
  ["README.md.tmpl", "README.md"]
] as const

const lexists = (p: string) => {
  try {
    fs.lstatSync(p)
    return true
  } catch {
    return false
  }
}

export const generatePlugin = (opts: PluginOptions): PluginResult => {
  const problem = nameProblem("plugin", opts.name)
  if (problem) throw new GeneratorRefused(problem)
  const root = path.resolve(opts.root ?? repoRoot)
  const pluginDir = path.join(root, "plugins", opts.name)
  const scopeDir = path.join(root, "node_modules", "@zaoji")
  const link = path.join(scopeDir, opts.name)
  if (lexists(pluginDir)) throw new GeneratorRefused(`${pluginDir} already exists; choose another name or remove it first`)
  // a name that is already a package of the workspace (core, data, cli, …) would shadow it
  if (lexists(link)) throw new GeneratorRefused(`@zaoji/${opts.name} already exists (${link}); choose another name`)

  const namespace = pascalCase(opts.name)
  const values = {
    name: opts.name,
    pascal: namespace,
    tsconfigBase: path.relative(pluginDir, path.join(repoRoot, "tsconfig.base.json")).split(path.sep).join("/")
  }
  const rendered = templateFiles.map(([from, to]) => [to, renderTemplate(`plugin/${from}`, values)] as const)

  fs.mkdirSync(path.dirname(pluginDir), { recursive: true })
  const staging = stagingDir(path.dirname(pluginDir), opts.name)
  try {
    for (const [to, text] of rendered) {
      fs.mkdirSync(path.dirname(path.join(staging, to)), { recursive: true })
      fs.writeFileSync(path.join(staging, to), text)
    }
    fs.renameSync(staging, pluginDir)
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true })
    throw e
  }
  // what npm workspaces create: a relative link, so the checkout can move
  const linkTarget = path.relative(scopeDir, pluginDir)
  try {
    fs.mkdirSync(scopeDir, { recursive: true })
    fs.symlinkSync(linkTarget, link, "dir")
  } catch (e) {
    fs.rmSync(pluginDir, { recursive: true, force: true })
    throw e
  }
  return { pluginDir, link, linkTarget, files: rendered.map(([to]) => path.join(pluginDir, to)), namespace }
}
