import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { describe, expect, it } from "vitest"
import { fileHashCache, hashPath } from "../src/index.js"

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "zaoji-hashes-"))

/** a file last modified a minute ago: settled, so the cache may keep it */
const settledFile = (dir: string, name: string, text: string) => {
  const f = path.join(dir, name)
  fs.writeFileSync(f, text)
  const past = new Date(Date.now() - 60_000)
  fs.utimesSync(f, past, past)
  return f
}

describe("input file hash cache", () => {
  it("answers an unchanged settled file from the cache with the same hash hashPath computes", () => {
    const dir = tmp()
    const store = path.join(dir, "store")
    const f = settledFile(dir, "kg.jsonl", "肝硬化\n".repeat(1000))
    const first = fileHashCache(store)
    expect(first.hash(f)).toBe(hashPath(f))
    expect(first.hits()).toBe(0)
    first.save()
    const second = fileHashCache(store)
    expect(second.hash(f)).toBe(hashPath(f))
    expect(second.hits()).toBe(1)
  })

  it("misses a file rewritten with the same size and its old mtime put back", () => {
    const dir = tmp()
    const store = path.join(dir, "store")
    const f = settledFile(dir, "a.txt", "aaaa")
    const c1 = fileHashCache(store)
    c1.hash(f)
    c1.save()
    const { mtime, atime } = fs.statSync(f)
    fs.writeFileSync(f, "bbbb")
    fs.utimesSync(f, atime, mtime)
    const c2 = fileHashCache(store)
    expect(c2.hash(f)).toBe(hashPath(f))
    expect(c2.hits()).toBe(0)
  })

  it("does not keep a file modified just now (it could change again within one timestamp tick)", () => {
    const dir = tmp()
    const store = path.join(dir, "store")
    const f = path.join(dir, "fresh.txt")
    fs.writeFileSync(f, "new")
    const c1 = fileHashCache(store)
    c1.hash(f)
    c1.save()
    expect(fs.existsSync(path.join(store, "input-hashes.json"))).toBe(false)
    // the same file later, once settled, is kept
    const later = fileHashCache(store, () => Date.now() + 60_000)
    later.hash(f)
    later.save()
    expect(fileHashCache(store).hash(f)).toBe(hashPath(f))
  })

  it("hashes folders whole every time, and ignores a corrupt cache file", () => {
    const dir = tmp()
    const store = path.join(dir, "store")
    const folder = path.join(dir, "model")
    fs.mkdirSync(folder)
    settledFile(folder, "config.json", "{}")
    const c1 = fileHashCache(store)
    expect(c1.hash(folder)).toBe(hashPath(folder))
    c1.save()
    expect(fileHashCache(store).hits()).toBe(0)
    fs.mkdirSync(store, { recursive: true })
    fs.writeFileSync(path.join(store, "input-hashes.json"), "{not json")
    const f = settledFile(dir, "b.txt", "b")
    const c2 = fileHashCache(store)
    expect(c2.hash(f)).toBe(hashPath(f))
    expect(c2.hits()).toBe(0)
  })
})
