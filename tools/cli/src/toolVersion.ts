import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"

/**
 * `zaoji --version`: @zaoji/core's version, the one every manifest records. Read from core's
 * package.json, found the way an import finds core, rather than imported from core: the command tree
 * is built on every start, and importing core there would load the whole engine for `--help`.
 */
export const toolVersion = (): string => {
  try {
    let dir = path.dirname(createRequire(import.meta.url).resolve("@zaoji/core"))
    while (!fs.existsSync(path.join(dir, "package.json")) && path.dirname(dir) !== dir) dir = path.dirname(dir)
    return (JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as { version: string }).version
  } catch {
    return "unknown"
  }
}
