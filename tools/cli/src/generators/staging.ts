import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"

/**
 * A hidden folder beside the target to build a generated folder in before renaming it into place.
 * Not mkdtemp: its 0700 mode would carry over to the renamed folder; this one gets the umask's.
 */
export const stagingDir = (parent: string, name: string): string => {
  const dir = path.join(parent, `.${name}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`)
  fs.mkdirSync(dir)
  return dir
}
