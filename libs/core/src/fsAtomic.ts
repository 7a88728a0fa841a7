import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as path from "node:path"

/** Write a file so that readers (and a crash) only ever see the old or the complete new content. */
export const writeFileAtomic = (file: string, data: string | Uint8Array): void => {
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`
  const fd = fs.openSync(tmp, "w")
  try {
    if (typeof data === "string") fs.writeSync(fd, data)
    else fs.writeSync(fd, data)
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  fs.renameSync(tmp, file)
  fsyncDir(path.dirname(file))
}

/** fsync a folder so a rename inside it survives power loss; not supported everywhere, so best effort. */
export const fsyncDir = (dir: string): void => {
  try {
    const fd = fs.openSync(dir, "r")
    try {
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
  } catch {
    // some platforms cannot open folders for fsync; the rename is still atomic there
  }
}

export const readJsonIfExists = (file: string): unknown | undefined => {
  try {
    return JSON.parse(fs.readFileSync(file, "utf8"))
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined
    throw e
  }
}

/**
 * Replace folder `target` with folder `source` (same file system). A crash between the two renames
 * leaves no target at all, which the store reads as "not built" — never a half-written artifact.
 */
export const replaceDir = (source: string, target: string): void => {
  fs.mkdirSync(path.dirname(target), { recursive: true })
  let trash: string | undefined
  if (fs.existsSync(target)) {
    trash = `${target}.old-${process.pid}-${randomBytes(4).toString("hex")}`
    fs.renameSync(target, trash)
  }
  fs.renameSync(source, target)
  fsyncDir(path.dirname(target))
  if (trash) fs.rmSync(trash, { recursive: true, force: true })
}
