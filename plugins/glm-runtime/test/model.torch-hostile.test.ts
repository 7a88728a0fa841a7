/**
 * A model folder whose PyTorch shard carries a hostile pickle (a megabyte-wide integer, a stack
 * grown by DUPs, a forbidden global): loading it in a stage fails quickly with an `InputError` that
 * names the shard, as any other damaged weights file does.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { Cause, Effect, Exit, Option } from "effect"
import { afterAll, describe, expect, it } from "vitest"
import { acquireModelFolder } from "../src/load/effect.js"

const here = dirname(fileURLToPath(import.meta.url))
const torchFolder = join(here, "fixtures", "torch-glm2")
const root = mkdtempSync(join(tmpdir(), "zaoji-hostile-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** the smallest ZIP torch.load would open: one stored member `archive/data.pkl` */
const archiveOf = (pickle: Buffer): Buffer => {
  const name = Buffer.from("archive/data.pkl")
  const local = Buffer.alloc(30)
  local.writeUInt32LE(0x04034b50, 0)
  local.writeUInt32LE(pickle.length, 18)
  local.writeUInt32LE(pickle.length, 22)
  local.writeUInt16LE(name.length, 26)
  const central = Buffer.alloc(46)
  central.writeUInt32LE(0x02014b50, 0)
  central.writeUInt32LE(pickle.length, 20)
  central.writeUInt32LE(pickle.length, 24)
  central.writeUInt16LE(name.length, 28)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(1, 8)
  end.writeUInt16LE(1, 10)
  end.writeUInt32LE(46 + name.length, 12)
  end.writeUInt32LE(30 + name.length + pickle.length, 16)
  return Buffer.concat([local, name, pickle, central, name, end])
}

const long4 = Buffer.concat([Buffer.from([0x80, 2, 0x8b]), Buffer.from([0, 0, 0x10, 0]), Buffer.alloc(1 << 20, 0x41), Buffer.from([0x2e])])
const dups = Buffer.concat([Buffer.from([0x80, 2, 0x5d, 0x28, 0x4e]), Buffer.alloc(300_000, 0x32), Buffer.from([0x65, 0x2e])])
const forbidden = Buffer.concat([Buffer.from([0x80, 2]), Buffer.from("cos\nsystem\n", "latin1"), Buffer.from([0x2e])])

describe("a model folder with a hostile torch shard", () => {
  it.each([
    ["a 1 MB LONG4 integer", long4, /1048576-byte integer/],
    ["APPENDS after 300,000 DUPs", dups, /holds no state dict/],
    ["a forbidden global", forbidden, /refusing to load global "os\.system"/]
  ])("%s is an InputError naming the shard", async (_what, pickle, message) => {
    const dir = mkdtempSync(join(root, "m"))
    for (const f of ["config.json", "pytorch_model.bin.index.json", "pytorch_model-00002-of-00002.bin"]) copyFileSync(join(torchFolder, f), join(dir, f))
    const shard = join(dir, "pytorch_model-00001-of-00002.bin")
    writeFileSync(shard, archiveOf(pickle))
    const t0 = performance.now()
    const exit = await Effect.runPromiseExit(Effect.scoped(acquireModelFolder(dir)))
    expect(performance.now() - t0).toBeLessThan(10_000)
    expect(Exit.isFailure(exit)).toBe(true)
    const failure = Exit.isFailure(exit) ? Cause.failureOption(exit.cause) : Option.none()
    expect(Option.isSome(failure) && failure.value._tag).toBe("InputError")
    const e = Option.getOrThrow(failure)
    expect(e.location).toBe(shard)
    expect(e.message).toContain(shard)
    expect(e.message).toMatch(message)
  })
})
