/**
 * What a MODEL argument may be: a model folder (config.json or zaoji-model.json), a stage artifact
 * folder (its manifest's output names the model subfolder), or a stage id / artifact key looked up
 * in a store. One resolver, so chat, serve and export accept the same things.
 */
import * as fs from "node:fs"
import * as path from "node:path"
import { Effect, Option } from "effect"
import { resolveArtifactTarget } from "./artifactTarget.js"
import { UsageError } from "./usage.js"

export { modelArgument } from "./options.js"

const isModelFolder = (dir: string): boolean =>
  fs.existsSync(path.join(dir, "config.json")) || fs.existsSync(path.join(dir, "zaoji-model.json"))

const modelInArtifact = (dir: string): string | undefined => {
  const manifestFile = path.join(dir, "manifest.json")
  if (!fs.existsSync(manifestFile)) return undefined
  const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8")) as { output?: { model?: unknown } }
  const sub = manifest.output?.model
  return typeof sub === "string" ? path.join(dir, sub) : undefined
}

export const resolveModelArg = (target: string, store: Option.Option<string>, workflow: Option.Option<string>) =>
  Effect.gen(function* () {
    const asPath = path.resolve(target)
    if (fs.existsSync(asPath) && fs.statSync(asPath).isDirectory()) {
      if (isModelFolder(asPath)) return asPath
      const inner = modelInArtifact(asPath)
      if (inner !== undefined) return inner
      return yield* Effect.fail(
        new UsageError({ message: `${asPath} is not a model: expected a folder with config.json (or zaoji-model.json), or a model stage's artifact folder` })
      )
    }
    const artifactDir = yield* resolveArtifactTarget(target, store, workflow)
    const inner = modelInArtifact(artifactDir)
    if (inner === undefined) return yield* Effect.fail(new UsageError({ message: `"${target}" is not a model stage (its output names no model folder)` }))
    return inner
  })
